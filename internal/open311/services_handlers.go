package open311

import "net/http"

// Definition is a service definition: the service's attributes.
type Definition struct {
	ServiceCode string      `json:"service_code" xml:"service_code"`
	Attributes  []Attribute `json:"attributes" xml:"attributes>attribute"`
}

func (s *Server) listServices(_ *http.Request, _ format, _ string) (int, any, any, error) {
	list := s.catalog.Services()
	return http.StatusOK, list, servicesXML{Services: list}, nil
}

func (s *Server) serviceDefinition(_ *http.Request, _ format, code string) (int, any, any, error) {
	svc, ok := s.catalog.Service(code)
	if !ok {
		return 0, nil, nil, fail(http.StatusNotFound, "service_code %s is not a service here; GET services.json lists them", describeValue(code))
	}
	d := Definition{ServiceCode: svc.Code, Attributes: svc.Attributes()}
	if d.Attributes == nil {
		d.Attributes = []Attribute{}
	}
	return http.StatusOK, d, definitionXML{Definition: d}, nil
}
