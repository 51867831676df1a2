// Package hot owns hot-issue mining: it clusters recent messages into
// issues by content (shared key terms), place (the anonymised area code
// such as "A5区", or an explicit area) and time (a window), ranks the
// issues by a documented heat index, and names each by its place and key
// terms made of whole words ("A5区魅力之城小区 油烟扰民"), with word
// boundaries learnt from the window's own titles (no dictionary). Evaluate
// measures the clustering and the names.
package hot
