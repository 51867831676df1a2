package cases

// MaxMergeChain bounds how far HandlingCase follows a chain of merges (a
// case merged into a case merged in turn).
const MaxMergeChain = 8

// HandlingCase follows merged case c up its chain of merges towards the
// case it is handled with: its parent, or, when the parent was merged in
// turn, the parent's parent, and so on. get reads a case by id (nil, nil
// when there is none). It returns the last case reached (nil when c is not
// merged or its parent cannot be read) and whether that is the end of the
// chain, a case not merged; complete is false when the chain is broken (a
// case that does not exist), a cycle, or longer than MaxMergeChain.
func HandlingCase(c *Case, get func(id string) (*Case, error)) (last *Case, complete bool, err error) {
	if c.State != StateMerged || c.ParentID == "" {
		return nil, false, nil
	}
	seen := map[string]bool{c.ID: true}
	id := c.ParentID
	for range MaxMergeChain {
		if seen[id] {
			return last, false, nil
		}
		seen[id] = true
		p, err := get(id)
		if err != nil || p == nil {
			return last, false, err
		}
		last = p
		if p.State != StateMerged || p.ParentID == "" {
			return p, true, nil
		}
		id = p.ParentID
	}
	return last, false, nil
}
