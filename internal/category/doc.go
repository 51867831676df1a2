// Package category owns the three-level case taxonomy (一级/二级/三级分类):
// the codes, names and hierarchy that every case's category refers to.
//
// The default taxonomy is the real one published with the 2020 TipDM Cup
// government-message data (see data/NOTICE). Codes are two digits per level
// ("01", "0103", "010302"), assigned by order of first appearance in the file.
package category
