// Package hot owns hot-issue mining: it clusters recent messages into
// issues by content (shared key terms), place (the anonymised area code
// such as "A5区", or an explicit area) and time (a window), ranks the
// issues by a documented heat index, and names each by its key terms.
package hot
