package oneupsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"vitals/fhir"
)

// Bundle is a FHIR bundle's resources, to be served as one health
// system's data (vitals sandbox --oneup-bundle FILE).
type Bundle struct {
	Name      string // the file, for messages
	resources []bundleResource
}

type bundleResource struct {
	typ    string
	id     string
	codes  []fhir.Coding
	fields map[string]json.RawMessage // the resource as given, meta aside
	meta   map[string]json.RawMessage
}

// Len is the number of resources the bundle holds.
func (b *Bundle) Len() int { return len(b.resources) }

// LoadBundle reads a FHIR bundle file (JSON, any bundle type).
func LoadBundle(path string) (*Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("oneupsim: read bundle: %w", err)
	}
	return ParseBundle(path, data)
}

// ParseBundle reads a FHIR bundle; name is used in errors. Resources are
// keyed by type and id as a FHIR server keeps them: a later entry with the
// same type and id replaces an earlier one.
func ParseBundle(name string, data []byte) (*Bundle, error) {
	var b fhir.Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("oneupsim: %s: not a FHIR JSON bundle: %w", name, err)
	}
	if b.ResourceType != "Bundle" {
		return nil, fmt.Errorf("oneupsim: %s: resourceType is %q, want Bundle", name, b.ResourceType)
	}
	out := &Bundle{Name: name}
	index := map[string]int{}
	for i, e := range b.Entry {
		if len(bytes.TrimSpace(e.Resource)) == 0 {
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(e.Resource, &fields); err != nil {
			return nil, fmt.Errorf("oneupsim: %s: entry %d: resource is not a JSON object: %w", name, i, err)
		}
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if err := json.Unmarshal(e.Resource, &head); err != nil {
			return nil, fmt.Errorf("oneupsim: %s: entry %d: %w", name, i, err)
		}
		// code is a CodeableConcept in the resources a code search
		// matters for; other types shape it otherwise (an array, a code).
		var code fhir.CodeableConcept
		_ = json.Unmarshal(fields["code"], &code)
		if head.ResourceType == "" {
			return nil, fmt.Errorf("oneupsim: %s: entry %d: resource has no resourceType", name, i)
		}
		id := head.ID
		if id == "" { // a transaction's new resource: name it after its fullUrl
			id = e.FullURL[strings.LastIndexAny(e.FullURL, ":/")+1:]
			if id == "" {
				id = "entry-" + strconv.Itoa(i)
			}
			fields["id"], _ = json.Marshal(id)
		}
		meta := map[string]json.RawMessage{}
		if raw, ok := fields["meta"]; ok {
			if err := json.Unmarshal(raw, &meta); err != nil {
				return nil, fmt.Errorf("oneupsim: %s: entry %d (%s/%s): meta: %w", name, i, head.ResourceType, id, err)
			}
			delete(fields, "meta")
		}
		r := bundleResource{typ: head.ResourceType, id: id, codes: code.Coding, fields: fields, meta: meta}
		key := head.ResourceType + "/" + id
		if j, ok := index[key]; ok {
			out.resources[j] = r
			continue
		}
		index[key] = len(out.resources)
		out.resources = append(out.resources, r)
	}
	return out, nil
}

// records are the bundle's resources as a user's, all pulled in at once
// when the system's data arrives.
func (b *Bundle) records(sys System, arrives time.Time) []record {
	up := arrives.UTC().Truncate(time.Millisecond)
	tag := fhir.Coding{System: TagSystemPrefix + sys.Kind, Code: strconv.Itoa(sys.ID), Display: sys.Name}
	out := make([]record, 0, len(b.resources))
	for _, r := range b.resources {
		out = append(out, record{typ: r.typ, id: r.id, updated: up, codes: r.codes, make: func() ([]byte, error) {
			return r.render(up, sys.ResourceURL, tag)
		}})
	}
	return out
}

// render writes the resource with the server's meta: lastUpdated,
// versionId, source and the system tag, keeping the rest of the
// resource's own meta (profiles, security labels, other tags).
func (r bundleResource) render(updated time.Time, source string, tag fhir.Coding) ([]byte, error) {
	meta := make(map[string]json.RawMessage, len(r.meta)+4)
	for k, v := range r.meta {
		meta[k] = v
	}
	var tags []json.RawMessage
	if raw, ok := meta["tag"]; ok {
		if err := json.Unmarshal(raw, &tags); err != nil {
			return nil, fmt.Errorf("meta.tag of %s/%s: %w", r.typ, r.id, err)
		}
	}
	t, _ := json.Marshal(tag)
	tags = append(tags, t)
	meta["tag"], _ = json.Marshal(tags)
	meta["lastUpdated"], _ = json.Marshal(fhirInstant(updated))
	meta["versionId"] = json.RawMessage(`"1"`)
	meta["source"], _ = json.Marshal(source)
	m, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	// resourceType first, as FHIR JSON is conventionally written.
	var buf bytes.Buffer
	buf.WriteString(`{"resourceType":`)
	buf.Write(r.fields["resourceType"])
	buf.WriteString(`,"meta":`)
	buf.Write(m)
	keys := make([]string, 0, len(r.fields))
	for k := range r.fields {
		if k != "resourceType" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		buf.WriteByte(',')
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(r.fields[k])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
