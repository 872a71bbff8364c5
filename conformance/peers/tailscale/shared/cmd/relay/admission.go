package main

// The relay contract's --verify-clients-file (admit only the listed node
// keys) for derper: derper's own --verify-clients asks a local tailscaled,
// but its --verify-client-url asks an admission controller over HTTP, and
// that is what this file serves, on loopback, from the list. derper POSTs
// {"NodePublic":"nodekey:<hex>","Source":"<ip>"} and admits the client on
// 200 with {"Allow":true} (spec: derper flags, --verify-client-url); mesh
// peers are admitted by derper without asking.

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
)

// admitRequest and admitResponse are the JSON of tailcfg.DERPAdmitClientRequest
// and DERPAdmitClientResponse (this program has no tailscale.com dependency:
// one source for every version).
type admitRequest struct {
	NodePublic string
	Source     string
}

type admitResponse struct {
	Allow bool
}

// admission serves the list in file at http://host:port/ until the listener
// closes. The file is read on every request: it is a few lines, and a
// rewritten list takes effect at once, as a real controller's would.
type admission struct {
	file string
	ln   net.Listener
}

func startAdmission(host, file string) (*admission, error) {
	if _, err := readAllowList(file); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("admission controller: %v", err)
	}
	a := &admission{file: file, ln: ln}
	go http.Serve(ln, a)
	return a, nil
}

func (a *admission) url() string { return "http://" + a.ln.Addr().String() + "/" }

func (a *admission) close() { a.ln.Close() }

func (a *admission) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var req admitRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&req); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	allowed, err := readAllowList(a.file)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(admitResponse{Allow: allowed[req.NodePublic]})
}

// readAllowList reads "nodekey:<hex>" lines (blank lines and # comments
// skipped), the format of the reference relay's --verify-clients-file.
func readAllowList(file string) (map[string]bool, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("--verify-clients-file: %v", err)
	}
	defer f.Close()
	allowed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		hexKey, ok := strings.CutPrefix(line, "nodekey:")
		if _, err := hex.DecodeString(hexKey); !ok || err != nil || len(hexKey) != 64 {
			return nil, fmt.Errorf("--verify-clients-file %s:%d: want nodekey:<64 hex digits>, got %q", file, n, line)
		}
		allowed[strings.ToLower(line)] = true
	}
	return allowed, sc.Err()
}
