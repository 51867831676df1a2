package enterprise

import (
	"fmt"
	"slices"

	"yiwang/internal/category"
)

// RequestType is what an enterprise asks for.
type RequestType string

// The request types.
const (
	Policy     RequestType = "policy"     // 政策咨询
	Approval   RequestType = "approval"   // 审批
	Utilities  RequestType = "utilities"  // 水电气
	Land       RequestType = "land"       // 用地
	Finance    RequestType = "finance"    // 融资
	Employment RequestType = "employment" // 用工
	Other      RequestType = "other"      // 其他
)

// RequestTypes lists every request type.
var RequestTypes = []RequestType{Policy, Approval, Utilities, Land, Finance, Employment, Other}

// Valid reports whether t is a known request type.
func (t RequestType) Valid() bool { return slices.Contains(RequestTypes, t) }

// Label returns the Chinese name of the type.
func (t RequestType) Label() string { return labels[t] }

var labels = map[RequestType]string{
	Policy: "政策咨询", Approval: "审批", Utilities: "水电气", Land: "用地", Finance: "融资", Employment: "用工", Other: "其他",
}

// categoryPaths are the taxonomy paths the types map to (level 3 names,
// as category.Category.Path spells them).
var categoryPaths = map[RequestType]string{
	Policy:     "经济管理 / 宏观调控 / 产业行业政策",
	Approval:   "党务政务 / 政治体制 / 政治体制改革",
	Utilities:  "经济管理 / 能源管理 / 能源开发供应",
	Land:       "国土资源 / 土地资源管理 / 土地规划",
	Finance:    "经济管理 / 金融财税 / 集资融资",
	Employment: "劳动和社会保障 / 就业培训 / 就业和再就业",
	Other:      "经济管理 / 其他 / 其他",
}

// Categories maps each request type to its category code.
type Categories map[RequestType]string

// NewCategories resolves the mapping against a taxonomy; it fails if a
// path is missing, so a changed taxonomy is noticed at start-up.
func NewCategories(tax *category.Taxonomy) (Categories, error) {
	byPath := map[string]string{}
	for _, c := range tax.All() {
		byPath[c.Path] = c.Code
	}
	out := Categories{}
	for _, t := range RequestTypes {
		code, ok := byPath[categoryPaths[t]]
		if !ok {
			return nil, fmt.Errorf("enterprise: request type %s maps to %q, which is not in the taxonomy", t, categoryPaths[t])
		}
		out[t] = code
	}
	return out, nil
}
