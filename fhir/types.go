// Package fhir holds the FHIR R4 JSON types vitals reads and writes, and
// the mapping between Observations and Conditions and health readings.
//
// The types cover the elements the mapping uses; everything else in a
// resource is kept verbatim in the reading's raw payload.
package fhir

import "encoding/json"

// Code systems.
const (
	SystemLOINC  = "http://loinc.org"
	SystemSNOMED = "http://snomed.info/sct"
	SystemUCUM   = "http://unitsofmeasure.org"
	// SystemMDC is ISO/IEEE 11073 nomenclature, used by personal health
	// device feeds beside (or instead of) LOINC.
	SystemMDC = "urn:iso:std:iso:11073:10101"
	// SystemObservationCategory holds "vital-signs", "activity", ...
	SystemObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
	// SystemDataAbsentReason holds the reasons a value is missing.
	SystemDataAbsentReason = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
)

// Bundle is a FHIR Bundle of any type (collection, searchset, transaction,
// batch, document).
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty"`
	Meta         *Meta         `json:"meta,omitempty"`
	Identifier   *Identifier   `json:"identifier,omitempty"`
	Type         string        `json:"type,omitempty"`
	Timestamp    string        `json:"timestamp,omitempty"`
	Total        *int          `json:"total,omitempty"`
	Link         []BundleLink  `json:"link,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleLink is a paging or self link of a searchset.
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleEntry holds one resource, kept raw so that any resource type
// passes through and the original bytes can be stored.
type BundleEntry struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Search   *EntrySearch    `json:"search,omitempty"`
	Request  *EntryRequest   `json:"request,omitempty"`
}

// EntrySearch says why an entry is in a searchset.
type EntrySearch struct {
	Mode string `json:"mode,omitempty"`
}

// EntryRequest is the request of a transaction or batch entry.
type EntryRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

// NextLink returns the URL of the bundle's "next" link, or "".
func (b *Bundle) NextLink() string {
	for _, l := range b.Link {
		if l.Relation == "next" {
			return l.URL
		}
	}
	return ""
}

// ResourceHeader is the part every resource shares, enough to tell what a
// raw resource is.
type ResourceHeader struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id,omitempty"`
	Meta         *Meta  `json:"meta,omitempty"`
}

// Meta is a resource's metadata.
type Meta struct {
	VersionID   string   `json:"versionId,omitempty"`
	LastUpdated string   `json:"lastUpdated,omitempty"`
	Source      string   `json:"source,omitempty"`
	Profile     []string `json:"profile,omitempty"`
	Tag         []Coding `json:"tag,omitempty"`
}

// Coding is one code in one code system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept given by one or more codings and text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Has reports whether the concept carries code in system.
func (c CodeableConcept) Has(system, code string) bool {
	for _, cd := range c.Coding {
		if cd.System == system && cd.Code == code {
			return true
		}
	}
	return false
}

// Quantity is a measured amount. Value is a pointer because a quantity can
// carry a unit and no value.
type Quantity struct {
	Value  *float64 `json:"value,omitempty"`
	Unit   string   `json:"unit,omitempty"`
	System string   `json:"system,omitempty"`
	Code   string   `json:"code,omitempty"`
}

// Reference points to another resource.
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Identifier is a business identifier.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Period is a time range; either end may be open.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Observation is a FHIR R4 Observation, reduced to the elements vitals maps.
type Observation struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id,omitempty"`
	Meta              *Meta             `json:"meta,omitempty"`
	Identifier        []Identifier      `json:"identifier,omitempty"`
	Status            string            `json:"status,omitempty"`
	Category          []CodeableConcept `json:"category,omitempty"`
	Code              CodeableConcept   `json:"code"`
	Subject           *Reference        `json:"subject,omitempty"`
	Encounter         *Reference        `json:"encounter,omitempty"`
	EffectiveDateTime string            `json:"effectiveDateTime,omitempty"`
	EffectivePeriod   *Period           `json:"effectivePeriod,omitempty"`
	EffectiveInstant  string            `json:"effectiveInstant,omitempty"`
	Issued            string            `json:"issued,omitempty"`
	Performer         []Reference       `json:"performer,omitempty"`
	ValueQuantity     *Quantity         `json:"valueQuantity,omitempty"`
	ValueCodeable     *CodeableConcept  `json:"valueCodeableConcept,omitempty"`
	DataAbsentReason  *CodeableConcept  `json:"dataAbsentReason,omitempty"`
	Interpretation    []CodeableConcept `json:"interpretation,omitempty"`
	Note              []Annotation      `json:"note,omitempty"`
	Device            *Reference        `json:"device,omitempty"`
	Component         []Component       `json:"component,omitempty"`

	Extension    []Extension `json:"extension,omitempty"`
	ValueInteger *int64      `json:"valueInteger,omitempty"`
}

// Component is one part of a panel Observation, such as the systolic
// pressure of a blood-pressure panel.
type Component struct {
	Code             CodeableConcept  `json:"code"`
	ValueQuantity    *Quantity        `json:"valueQuantity,omitempty"`
	ValueCodeable    *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	DataAbsentReason *CodeableConcept `json:"dataAbsentReason,omitempty"`

	ValueBoolean *bool  `json:"valueBoolean,omitempty"`
	ValueInteger *int64 `json:"valueInteger,omitempty"`
}

// Annotation is a text note.
type Annotation struct {
	Text string `json:"text"`
}

// Condition is a FHIR R4 Condition, reduced to what vitals shows.
type Condition struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id,omitempty"`
	Meta               *Meta             `json:"meta,omitempty"`
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	Category           []CodeableConcept `json:"category,omitempty"`
	Code               CodeableConcept   `json:"code"`
	Subject            *Reference        `json:"subject,omitempty"`
	Encounter          *Reference        `json:"encounter,omitempty"`
	OnsetDateTime      string            `json:"onsetDateTime,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`

	OnsetPeriod *Period     `json:"onsetPeriod,omitempty"`
	Extension   []Extension `json:"extension,omitempty"`
}

// OperationOutcome is how a FHIR server explains an error.
type OperationOutcome struct {
	ResourceType string                  `json:"resourceType"`
	Issue        []OperationOutcomeIssue `json:"issue"`
}

// OperationOutcomeIssue is one problem in an OperationOutcome.
type OperationOutcomeIssue struct {
	Severity    string `json:"severity"`
	Code        string `json:"code"`
	Diagnostics string `json:"diagnostics,omitempty"`
}

// Extension is a FHIR extension: a value (or nested extensions) under a
// URL that says what it means. vitals writes its own (see URLSetting and
// friends) so that exports read back to the same readings.
type Extension struct {
	URL          string      `json:"url"`
	ValueBoolean *bool       `json:"valueBoolean,omitempty"`
	ValueInteger *int64      `json:"valueInteger,omitempty"`
	ValueDecimal *float64    `json:"valueDecimal,omitempty"`
	ValueCode    string      `json:"valueCode,omitempty"`
	ValueString  string      `json:"valueString,omitempty"`
	Extension    []Extension `json:"extension,omitempty"`
}

// HumanName is a person's name; vitals only writes its text.
type HumanName struct {
	Text string `json:"text,omitempty"`
}

// Patient is the subject of an exported bundle, reduced to its name.
type Patient struct {
	ResourceType string      `json:"resourceType"`
	ID           string      `json:"id,omitempty"`
	Name         []HumanName `json:"name,omitempty"`
}
