package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	listedKey   = "nodekey:" + "ab" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
	unlistedKey = "nodekey:" + "cd" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
)

func writeList(t *testing.T, text string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "verify-clients.txt")
	if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// ask POSTs body to the controller as derper does and gives the status and
// the response body.
func ask(t *testing.T, a *admission, body string) (int, string) {
	t.Helper()
	res, err := http.Post(a.url(), "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, strings.TrimSpace(b.String())
}

func TestAdmissionAnswersFromTheList(t *testing.T) {
	a, err := startAdmission("127.0.0.1", writeList(t, "# relay's allowed clients\n\n  "+strings.ToUpper(listedKey[8:])+"\n"))
	if err == nil {
		a.close()
		t.Fatal("a key without its nodekey: prefix was accepted")
	}
	a, err = startAdmission("127.0.0.1", writeList(t, "# relay's allowed clients\n\n  "+listedKey+"  \n"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	for _, c := range []struct {
		body   string
		status int
		answer string
	}{
		{`{"NodePublic":"` + listedKey + `","Source":"127.0.0.1"}`, 200, `{"Allow":true}`},
		{`{"NodePublic":"` + unlistedKey + `","Source":"127.0.0.1"}`, 200, `{"Allow":false}`},
		{`{"NodePublic":`, 400, ""},
	} {
		status, answer := ask(t, a, c.body)
		if status != c.status || (c.answer != "" && answer != c.answer) {
			t.Errorf("%s: got %d %s, want %d %s", c.body, status, answer, c.status, c.answer)
		}
	}
}

func TestAllowListErrorsNameTheLine(t *testing.T) {
	_, err := readAllowList(writeList(t, listedKey+"\nnodekey:zz\n"))
	if err == nil || !strings.Contains(err.Error(), ":2: want nodekey:<64 hex digits>") {
		t.Errorf("got %v", err)
	}
	if _, err := readAllowList(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Error("a missing file was read")
	}
}
