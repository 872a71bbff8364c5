package jsonoracle

// The "derpmap" kind: a DERPMap file as tailscale reads the same JSON
// (json.Unmarshal into tailcfg.DERPMap), against derp_map_parse. derpcheck's
// client also reads a lone region or node; those are json.Unmarshal into
// tailcfg.DERPRegion or tailcfg.DERPNode, chosen as derp_map_parse chooses
// (a key matching "Regions", else one matching "Nodes", else a node; Go's
// own field matching decides here), and flattened as the one region the C
// side makes of them (id: its RegionID, 900 when that is 0).

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"tailscale.com/tailcfg"
)

// loneRegionID is derp_map_parse's id for a lone region or node (derpmap.h).
func loneRegionID(id int) int {
	if id == 0 {
		return 900
	}
	return id
}

// DecodeDERPMap is upstream's reading of a "derpmap" case.
func DecodeDERPMap(b []byte) (Fields, error) {
	var form struct{ Regions, Nodes json.RawMessage }
	_ = json.Unmarshal(b, &form) // (a text Go refuses is refused below, in the same words)
	m := &tailcfg.DERPMap{}
	switch {
	case form.Regions != nil:
		if err := json.Unmarshal(b, m); err != nil {
			return nil, err
		}
	case form.Nodes != nil:
		var r tailcfg.DERPRegion
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, err
		}
		m.Regions = map[int]*tailcfg.DERPRegion{loneRegionID(r.RegionID): &r}
	default:
		var n tailcfg.DERPNode
		if err := json.Unmarshal(b, &n); err != nil {
			return nil, err
		}
		m.Regions = map[int]*tailcfg.DERPRegion{loneRegionID(n.RegionID): {RegionID: n.RegionID, Nodes: []*tailcfg.DERPNode{&n}}}
	}
	return flattenDERPMap(m), nil
}

// flattenDERPMap gives the fields oracle_dump's derpmap_fields prints. A
// region or node that is JSON null (a nil pointer) is "null".
func flattenDERPMap(m *tailcfg.DERPMap) Fields {
	f := Fields{"OmitDefaultRegions": strconv.FormatBool(m.OmitDefaultRegions)}
	ids := slices.Sorted(maps.Keys(m.Regions))
	var idText []string
	for _, id := range ids {
		idText = append(idText, strconv.Itoa(id))
	}
	f["Regions"] = strings.Join(idText, ",")
	for _, id := range ids {
		r := m.Regions[id]
		rp := fmt.Sprintf("Regions.%d.", id)
		if r == nil {
			f[strings.TrimSuffix(rp, ".")] = "null"
			continue
		}
		f[rp+"RegionID"] = strconv.Itoa(r.RegionID)
		f[rp+"RegionCode"] = r.RegionCode
		f[rp+"RegionName"] = r.RegionName
		f[rp+"Avoid"] = strconv.FormatBool(r.Avoid)
		f[rp+"NoMeasureNoHome"] = strconv.FormatBool(r.NoMeasureNoHome)
		f[rp+"Nodes"] = strconv.Itoa(len(r.Nodes))
		for i, n := range r.Nodes {
			np := fmt.Sprintf("%sNodes[%d].", rp, i)
			if n == nil {
				f[strings.TrimSuffix(np, ".")] = "null"
				continue
			}
			f[np+"Name"] = n.Name
			f[np+"RegionID"] = strconv.Itoa(n.RegionID)
			f[np+"HostName"] = n.HostName
			f[np+"CertName"] = n.CertName
			f[np+"IPv4"] = n.IPv4
			f[np+"IPv6"] = n.IPv6
			f[np+"STUNPort"] = strconv.Itoa(n.STUNPort)
			f[np+"STUNOnly"] = strconv.FormatBool(n.STUNOnly)
			f[np+"DERPPort"] = strconv.Itoa(n.DERPPort)
			f[np+"InsecureForTests"] = strconv.FormatBool(n.InsecureForTests)
			f[np+"STUNTestIP"] = n.STUNTestIP
			f[np+"CanPort80"] = strconv.FormatBool(n.CanPort80)
		}
	}
	return f
}
