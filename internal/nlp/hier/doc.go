// Package hier owns Yiwang's hierarchical category classifier: the
// first-level model of package classify, plus, under each class that has
// enough examples labelled deeper, a child classify.Model over its children
// (and so on down to the third level). A prediction descends from the
// first level while the child model's calibrated confidence reaches the
// model's Threshold; its reported confidence is the product of the
// confidences along the path. Without deeper data the model answers the
// first level exactly as the classify model alone does.
//
// Labels are opaque strings: a path of one label per level. Yiwang's
// convention (package workflow, CategoryPath) is the first-level category
// name at level 1 (the labelled CSV's and the classify model's labels) and
// category codes below.
//
// The package also owns the versioned model file (WriteModel, ReadModel;
// ReadModel also loads a plain first-level classify model file) and k-fold
// evaluation per level (CrossValidate, Evaluate).
package hier
