// Package enterprise owns what is particular to enterprise requests (企呼我应):
// the unified social credit code (统一社会信用代码, GB 32100-2015) that
// identifies an enterprise, and the kinds of request an enterprise makes,
// each mapped to a category of the case taxonomy.
//
// A credit code is checked for its form only: 18 characters from the
// 31-character alphabet (digits and upper-case letters without I, O, S, V,
// Z), a six-digit administrative division code in positions 3–8, and the
// check character. Whether a code was ever issued, and the registration
// authority and organisation-type codes in positions 1–2 (whose lists
// have grown since 2015), are not checked.
//
// The request types are this project's grouping, not an official list; the
// taxonomy has no 行政审批 category, so approvals go to 政治体制改革 (the
// reform of administrative approval, 放管服, belongs there) — change the
// mapping in types.go if the city's taxonomy has a better home.
package enterprise
