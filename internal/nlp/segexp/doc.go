// Package segexp holds the word-segmentation experiment of the message
// classifier (segexp_test.go): gse words against character n-grams. It is
// a module of its own so that gse never becomes a dependency of the product.
package segexp
