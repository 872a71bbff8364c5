// Package derpmapfile reads the client contract's --derpmap and --region
// into upstream's tailcfg types (the one copy shared by the client peer and
// debugderp; package contract stays free of tailscale.com imports).
package derpmapfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"tailscale.com/tailcfg"
)

// Load reads --derpmap: a file, "-" for stdin, or the JSON text itself.
// A map without regions is an error.
func Load(arg string) (*tailcfg.DERPMap, error) {
	var raw []byte
	var err error
	switch {
	case arg == "-":
		raw, err = io.ReadAll(os.Stdin)
	case strings.HasPrefix(strings.TrimSpace(arg), "{"):
		raw = []byte(arg)
	default:
		raw, err = os.ReadFile(arg)
	}
	if err != nil {
		return nil, fmt.Errorf("--derpmap: %v", err)
	}
	dm := new(tailcfg.DERPMap)
	if err := json.Unmarshal(raw, dm); err != nil {
		return nil, fmt.Errorf("--derpmap: %v", err)
	}
	if len(dm.Regions) == 0 {
		return nil, errors.New("--derpmap: no regions")
	}
	return dm, nil
}

// Region selects --region in dm: a region ID or RegionCode, or, when sel is
// empty, the map's only region. It returns the region's key in dm.Regions.
func Region(dm *tailcfg.DERPMap, sel string) (int, *tailcfg.DERPRegion, error) {
	if sel == "" {
		if len(dm.Regions) != 1 {
			return 0, nil, fmt.Errorf("--derpmap has %d regions: choose one with --region", len(dm.Regions))
		}
		for id, r := range dm.Regions {
			return id, r, nil
		}
	}
	for id, r := range dm.Regions {
		if r == nil {
			continue
		}
		if strconv.Itoa(id) == sel || r.RegionCode == sel {
			return id, r, nil
		}
	}
	return 0, nil, fmt.Errorf("--region %s: not in the DERPMap", sel)
}
