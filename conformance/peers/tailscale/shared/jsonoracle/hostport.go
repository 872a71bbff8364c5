package jsonoracle

// The "hostport" kind: an address given to derper's -a, split as derper
// splits it (net.SplitHostPort) with the port read as net.Listen reads it
// (net.LookupPort), against derp-relay's relay_split_host_port_any (-a
// without its IP rule). Only Go's standard library: derper hands the flag
// to these and nothing else.

import (
	"encoding/hex"
	"net"
	"strconv"
)

// DecodeHostPort is derper's reading of an address flag.
func DecodeHostPort(b []byte) (Fields, error) {
	host, port, err := net.SplitHostPort(string(b))
	if err != nil {
		return nil, err
	}
	p, err := net.LookupPort("tcp", port)
	if err != nil {
		return nil, err
	}
	return Fields{"host_hex": hex.EncodeToString([]byte(host)), "port": strconv.Itoa(p)}, nil
}
