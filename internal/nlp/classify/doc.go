// Package classify owns Yiwang's message classifier: a multinomial logistic
// regression over TF-IDF-weighted character n-grams (package text), trained
// by SGD, with confidence calibrated by temperature scaling on held-out
// folds. A Model predicts the top-k labels of a message with their
// confidence and the terms that drove them; it is used for the first-level
// category and for the answering unit's type.
//
// The package also owns the versioned model file (WriteModel, ReadModel),
// the labelled-CSV loader (ReadCSV) and stratified k-fold evaluation
// (CrossValidate, Evaluate) with per-class precision/recall/F1, a confusion
// matrix and a reliability table.
package classify
