package open311

import (
	"fmt"
	"strings"

	"yiwang/internal/category"
)

// ServiceType is the Open311 "type" of every service: requests are created
// synchronously, so the service_request_id comes back at once.
const ServiceType = "realtime"

// Datatype is the type of an attribute's value.
type Datatype string

// The datatypes of GeoReport v2.
const (
	DatatypeString          Datatype = "string"
	DatatypeNumber          Datatype = "number"
	DatatypeDatetime        Datatype = "datetime"
	DatatypeText            Datatype = "text"
	DatatypeSingleValueList Datatype = "singlevaluelist"
	DatatypeMultiValueList  Datatype = "multivaluelist"
)

// Datatypes lists every datatype.
var Datatypes = []Datatype{DatatypeString, DatatypeNumber, DatatypeDatetime, DatatypeText, DatatypeSingleValueList, DatatypeMultiValueList}

func (d Datatype) valid() bool {
	for _, k := range Datatypes {
		if d == k {
			return true
		}
	}
	return false
}

func (d Datatype) isList() bool { return d == DatatypeSingleValueList || d == DatatypeMultiValueList }

// Value is one choice of a list attribute.
type Value struct {
	Key  string `json:"key" xml:"key" yaml:"key"`
	Name string `json:"name" xml:"name" yaml:"name"`
}

// Attribute is one extra form field of a service.
type Attribute struct {
	// Variable is false for an informational attribute that takes no value.
	Variable            bool     `json:"variable" xml:"variable"`
	Code                string   `json:"code" xml:"code"`
	Datatype            Datatype `json:"datatype" xml:"datatype"`
	Required            bool     `json:"required" xml:"required"`
	DatatypeDescription string   `json:"datatype_description" xml:"datatype_description"`
	Order               int      `json:"order" xml:"order"`
	Description         string   `json:"description" xml:"description"`
	Values              []Value  `json:"values,omitempty" xml:"values>value,omitempty"`
}

// Service is one Open311 service: a level-3 category of the taxonomy.
type Service struct {
	Code        string `json:"service_code" xml:"service_code"`
	Name        string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`

	notice     string
	attributes []Attribute
}

// Attributes returns the service's attributes in order.
func (s Service) Attributes() []Attribute { return s.attributes }

// Notice is the service_notice answered when a request is created.
func (s Service) Notice() string { return s.notice }

// Catalog is the set of services, immutable and safe for concurrent use.
type Catalog struct {
	services []Service
	byCode   map[string]int
	tax      *category.Taxonomy
}

// NewCatalog builds the services from the taxonomy's level-3 categories
// and the extras document (see data/services.yaml for its format).
//
// A service is named by its category; where two level-3 categories of one
// level-1 group share a name ("其他" under several level-2 categories) the
// level-2 name follows in brackets, so that names are unique in a group.
// Group is the level-1 name, Description the category's full path, and
// Keywords the level-2 name followed by the extras' keywords.
func NewCatalog(tax *category.Taxonomy, extras []byte) (*Catalog, error) {
	ex, err := parseExtras(extras, tax)
	if err != nil {
		return nil, err
	}
	c := &Catalog{byCode: map[string]int{}, tax: tax}
	names := map[string]int{} // level-1 code + name → count
	var leaves []category.Category
	for _, cat := range tax.All() {
		if cat.Level == 3 {
			leaves = append(leaves, cat)
			names[cat.Code[:2]+"\x00"+cat.Name]++
		}
	}
	for _, cat := range leaves {
		l1, err := tax.Get(cat.Code[:2])
		if err != nil {
			return nil, fmt.Errorf("open311: category %s has no level-1 parent: %w", cat.Code, err)
		}
		l2, err := tax.Get(cat.Parent)
		if err != nil {
			return nil, fmt.Errorf("open311: category %s has no level-2 parent: %w", cat.Code, err)
		}
		name := cat.Name
		if names[cat.Code[:2]+"\x00"+cat.Name] > 1 {
			name += "（" + l2.Name + "）"
		}
		s := Service{Code: cat.Code, Name: name, Description: cat.Path, Type: ServiceType, Group: l1.Name, notice: ex.notice}
		kw := []string{l2.Name}
		if e, ok := ex.byPath[cat.Path]; ok {
			kw = append(kw, e.keywords...)
			s.attributes = e.attributes
			if e.notice != "" {
				s.notice = e.notice
			}
		}
		s.Keywords = strings.Join(kw, ",")
		s.Metadata = len(s.attributes) > 0
		c.byCode[s.Code] = len(c.services)
		c.services = append(c.services, s)
	}
	return c, nil
}

// Services returns every service in code order.
func (c *Catalog) Services() []Service { return c.services }

// Service returns the service with the given code.
func (c *Catalog) Service(code string) (Service, bool) {
	i, ok := c.byCode[code]
	if !ok {
		return Service{}, false
	}
	return c.services[i], true
}

// categoryName names any category code (cases from other channels may
// carry level-1 or level-2 codes); "" when unknown.
func (c *Catalog) categoryName(code string) string {
	if s, ok := c.Service(code); ok {
		return s.Name
	}
	if cat, err := c.tax.Get(code); err == nil {
		return cat.Name
	}
	return ""
}
