#!/usr/bin/python3
"""Classical baseline for `yiwang bench nlp`: TF-IDF over jieba words + a
linear SVM (scikit-learn), on the SAME folds as the Go classifier.

Input: a CSV written by the Go side with columns fold,title,body,label.
For each fold, train on the other folds and predict this one; print one JSON
object {"macro_f1": …, "accuracy": …, "n": …} on stdout.

Needs Debian's python3-sklearn and python3-jieba; run with /usr/bin/python3.
"""
import csv
import json
import logging
import sys


def main(path):
    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.svm import LinearSVC

    jieba.setLogLevel(logging.WARNING)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    docs = [" ".join(jieba.lcut(r["title"] + "。" + r["body"])) for r in rows]
    labels = [r["label"] for r in rows]
    folds = [int(r["fold"]) for r in rows]
    pred = [None] * len(rows)
    for k in sorted(set(folds)):
        train = [i for i, f in enumerate(folds) if f != k]
        test = [i for i, f in enumerate(folds) if f == k]
        vec = TfidfVectorizer(token_pattern=r"(?u)\S+", sublinear_tf=True, min_df=1)
        x_train = vec.fit_transform([docs[i] for i in train])
        clf = LinearSVC(C=1.0)
        clf.fit(x_train, [labels[i] for i in train])
        for i, p in zip(test, clf.predict(vec.transform([docs[i] for i in test]))):
            pred[i] = p
    print(json.dumps({
        "n": len(rows),
        "macro_f1": f1_score(labels, pred, average="macro"),
        "accuracy": accuracy_score(labels, pred),
    }))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: nlp_baseline.py FOLDS.csv")
    main(sys.argv[1])
