package config

import (
	"sort"
	"strings"
)

// didYouMean returns " (did you mean X?)" for the option closest to s, or "".
func didYouMean(s string, options []string) string {
	if m := suggest(s, options); m != "" {
		return " (did you mean " + m + "?)"
	}
	return ""
}

// hint returns didYouMean, or when nothing is close, " (one of a, b, c)".
func hint(s string, options []string) string {
	if h := didYouMean(s, options); h != "" {
		return h
	}
	return " (one of " + strings.Join(options, ", ") + ")"
}

// suggest returns the option closest to s when it is close enough to be a likely typo,
// or "". Case is ignored; ties go to the first option in sorted order.
func suggest(s string, options []string) string {
	best, bestD := "", 0
	limit := 2
	if len(s) <= 3 {
		limit = 1
	}
	ls := strings.ToLower(s)
	sorted := append([]string(nil), options...)
	sort.Strings(sorted)
	for _, o := range sorted {
		d := distance(ls, strings.ToLower(o))
		if d <= limit && (best == "" || d < bestD) {
			best, bestD = o, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, counted in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// keysOf returns the keys of m.
func keysOf(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
