package jsonoracle

import (
	"encoding/hex"
	"errors"
	"io"
	"testing"
)

// upstream stands in for a struct's decoding: it accepts "ok" (version 2)
// and rejects everything else with "bad".
var upstream = map[string]Decode{"clientinfo": func(b []byte) (Fields, error) {
	if string(b) == "ok" {
		return Fields{"version": "2", "meshKey": "00"}, nil
	}
	return nil, errors.New("bad")
}}

func caseOf(file, text string, ok bool, err string, version string) *Case {
	return &Case{File: file, Target: "relay_client_info", Kind: "clientinfo",
		JSONHex: hex.EncodeToString([]byte(text)), OK: ok,
		ErrHex: hex.EncodeToString([]byte(err)), Fields: Fields{"version": version, "meshKey": "00"}}
}

// ownWords is c with C error texts in derpcheck's own words (derpmap's):
// a rejection's text is not compared.
func ownWords(c *Case) *Case {
	c.OwnWords = true
	return c
}

func TestCompareFindsEachKindOfDisagreement(t *testing.T) {
	for _, tc := range []struct {
		c     *Case
		field string
	}{
		{caseOf("agree-accept", "ok", true, "", "2"), ""},
		{caseOf("agree-reject", "x", false, "bad", "0"), ""},
		{caseOf("verdict", "x", true, "", "0"), "verdict"},
		{caseOf("text", "x", false, "worse", "0"), "error"},
		{caseOf("field", "ok", true, "", "3"), "version"},
		{ownWords(caseOf("own-words", "x", false, "worse", "0")), ""},
		{ownWords(caseOf("own-words-verdict", "x", true, "", "0")), "verdict"},
	} {
		ds, err := Compare(tc.c, upstream)
		if err != nil {
			t.Fatal(err)
		}
		if tc.field == "" && len(ds) != 0 || tc.field != "" && (len(ds) != 1 || ds[0].Field != tc.field) {
			t.Errorf("%s: got %+v, want field %q", tc.c.File, ds, tc.field)
		}
	}
}

func TestDeclarationsCoverAndGoStale(t *testing.T) {
	cases := []*Case{caseOf("corpus/relay_client_info/text", "x", false, "worse", "0")}
	decls := []*Declaration{
		{Input: "text", Kind: "clientinfo", Field: "error", Upstream: "reject: bad", Ours: "reject: w*", Why: "a reason"},
		{Input: "*", Kind: "*", Field: "verdict", Upstream: "*", Why: "matches nothing"},
	}
	tot, err := Run(io.Discard, "vtest", cases, decls, upstream, true)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Undeclared() != 0 || len(tot.Disagreements) != 1 || len(tot.Stale) != 1 || tot.Stale[0] != decls[1] {
		t.Errorf("undeclared %d, disagreements %d, stale %v", tot.Undeclared(), len(tot.Disagreements), tot.Stale)
	}
	tot, _ = Run(io.Discard, "vtest", cases, nil, upstream, true)
	if tot.Undeclared() != 1 {
		t.Errorf("without declarations: %d undeclared, want 1", tot.Undeclared())
	}
}

func TestDecodeDERPMapReadsEachFormAsTheCSideDoes(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Fields
	}{
		{`{"Regions":{"901":{"RegionID":901,"RegionCode":"x","Nodes":[{"HostName":"h","DERPPort":8443}]}},"omitDefaultRegions":true}`,
			Fields{"OmitDefaultRegions": "true", "Regions": "901", "Regions.901.RegionID": "901",
				"Regions.901.RegionCode": "x", "Regions.901.Nodes": "1", "Regions.901.Nodes[0].HostName": "h",
				"Regions.901.Nodes[0].DERPPort": "8443"}},
		{`{"regions":{"7":null}}`, Fields{"Regions": "7", "Regions.7": "null"}},
		{`{"Nodes":[null]}`, Fields{"Regions": "900", "Regions.900.Nodes": "1", "Regions.900.Nodes[0]": "null"}},
		{`{"HostName":"h","RegionID":-15}`, Fields{"Regions": "-15", "Regions.-15.RegionID": "-15",
			"Regions.-15.Nodes": "1", "Regions.-15.Nodes[0].HostName": "h", "Regions.-15.Nodes[0].RegionID": "-15"}},
	} {
		got, err := DecodeDERPMap([]byte(tc.text))
		if err != nil {
			t.Fatalf("%s: %v", tc.text, err)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", tc.text, k, got[k], v)
			}
		}
	}
	if _, err := DecodeDERPMap([]byte(`{"Regions":{"x":{}}}`)); err == nil {
		t.Error("a region key that is not an int was accepted")
	}
}
