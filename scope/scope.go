package scope

import (
	"slices"

	"github.com/invopop/jsonschema"
	"github.com/secopsdesign/secops/ident"
)

// Scope says what the operations cover and who does what.
type Scope struct {
	// Parties are the teams and companies that take part: the in-house
	// CSIRT, an outsourced SOC (MSSP), a forensics specialist.
	Parties []Party `json:"parties" yaml:"parties" jsonschema:"required"`
	// Domains are the areas of security (compliance, information security,
	// cybersecurity, ...) and whether each is covered.
	Domains []Domain `json:"domains,omitempty" yaml:"domains,omitempty"`
	// Systems are the classes of system and whether each is covered.
	Systems []System `json:"systems,omitempty" yaml:"systems,omitempty"`
	// Incidents are the kinds of incident the design knows about.
	Incidents []Incident `json:"incidents,omitempty" yaml:"incidents,omitempty"`
	// Responsibilities assigns each phase of the operations to parties.
	Responsibilities Responsibilities `json:"responsibilities" yaml:"responsibilities" jsonschema:"required"`
}

// Sourcing says whether a party belongs to the organisation.
type Sourcing string

// The sourcing of a party.
const (
	InHouse    Sourcing = "in-house"
	Outsourced Sourcing = "outsourced"
)

// Sourcings lists the valid Sourcing values.
var Sourcings = []Sourcing{InHouse, Outsourced}

// Valid reports whether s is one of Sourcings.
func (s Sourcing) Valid() bool { return slices.Contains(Sourcings, s) }

// JSONSchema describes Sourcing as an enum.
func (Sourcing) JSONSchema() *jsonschema.Schema { return ident.Enum(Sourcings) }

// Party is a team or company that takes part in the operations.
type Party struct {
	// ID identifies the party, e.g. "csirt".
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the party's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// Sourcing says whether the party is in-house or outsourced.
	Sourcing Sourcing `json:"sourcing,omitempty" yaml:"sourcing,omitempty"`
}

// Domain is an area of security.
type Domain struct {
	// ID identifies the domain: compliance, information-security,
	// cybersecurity, or the organisation's own.
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the domain's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// InScope says whether the operations cover the domain (default true).
	InScope *bool `json:"in_scope,omitempty" yaml:"in_scope,omitempty" jsonschema:"default=true"`
	// Purpose says what protecting the domain is for.
	Purpose string `json:"purpose,omitempty" yaml:"purpose,omitempty"`
	// Solutions lists the products and services used in the domain.
	Solutions []string `json:"solutions,omitempty" yaml:"solutions,omitempty"`
}

// Covered reports whether the domain is in scope.
func (d Domain) Covered() bool { return d.InScope == nil || *d.InScope }

// Class is a class of system.
type Class string

// The classes of system.
const (
	PublicServer   Class = "public-server"
	InternalServer Class = "internal-server"
	UserPC         Class = "user-pc"
)

// Classes lists the valid Class values.
var Classes = []Class{PublicServer, InternalServer, UserPC}

// Valid reports whether c is one of Classes.
func (c Class) Valid() bool { return slices.Contains(Classes, c) }

// JSONSchema describes Class as an enum.
func (Class) JSONSchema() *jsonschema.Schema { return ident.Enum(Classes) }

// System is a class of systems the organisation runs.
type System struct {
	// ID identifies the system, e.g. "user-pcs".
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the system's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// Class is public-server, internal-server or user-pc.
	Class Class `json:"class,omitempty" yaml:"class,omitempty"`
	// InScope says whether the operations cover the system (default true).
	InScope *bool `json:"in_scope,omitempty" yaml:"in_scope,omitempty" jsonschema:"default=true"`
	// Kinds lists the kinds of machine in the class (web server, AD, ...).
	Kinds []string `json:"kinds,omitempty" yaml:"kinds,omitempty"`
	// Threats describes what threatens the system.
	Threats string `json:"threats,omitempty" yaml:"threats,omitempty"`
	// Notes holds anything else worth knowing.
	Notes string `json:"notes,omitempty" yaml:"notes,omitempty"`
}

// Covered reports whether the system is in scope.
func (s System) Covered() bool { return s.InScope == nil || *s.InScope }

// Incident is a kind of incident, such as a malware infection.
type Incident struct {
	// ID identifies the incident, e.g. "targeted-attack".
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the incident's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// Domain is the id of the domain the incident belongs to.
	Domain ident.ID `json:"domain,omitempty" yaml:"domain,omitempty"`
	// InScope says whether the operations handle the incident (default
	// true).
	InScope *bool `json:"in_scope,omitempty" yaml:"in_scope,omitempty" jsonschema:"default=true"`
	// Systems lists the ids of the systems the incident affects.
	Systems []ident.ID `json:"systems,omitempty" yaml:"systems,omitempty"`
	// References ties the incident to public taxonomies: attack:T1566,
	// rsit:<class>/<type>, d3fend:D3-NI, react:RA3101 or url:<address>.
	References []Reference `json:"references,omitempty" yaml:"references,omitempty"`
}

// Covered reports whether the incident is in scope.
func (i Incident) Covered() bool { return i.InScope == nil || *i.InScope }
