package finding

// Suggest returns the candidate closest to s by edit distance, or "" when
// none is close enough to be a likely misspelling.
func Suggest(s string, candidates []string) string {
	best, bestDist := "", len(s)/3+1
	if bestDist > 3 {
		bestDist = 3
	}
	for _, c := range candidates {
		d, ok := distanceWithin(s, c, bestDist)
		if ok && (d < bestDist || d == bestDist && best == "" && d <= 2) {
			best, bestDist = c, d
		}
	}
	return best
}

// distanceWithin returns the Levenshtein distance between a and b, in
// bytes, and true when it is at most max; otherwise false, as soon as that
// is certain. Short strings take no allocation.
func distanceWithin(a, b string, max int) (int, bool) {
	if d := len(a) - len(b); d > max || -d > max {
		return 0, false
	}
	var rows [2][33]int
	prev, cur := rows[0][:], rows[1][:]
	if len(b) >= len(rows[0]) {
		prev, cur = make([]int, len(b)+1), make([]int, len(b)+1)
	}
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		low := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			low = min(low, cur[j])
		}
		if low > max {
			return 0, false
		}
		prev, cur = cur, prev
	}
	return prev[len(b)], prev[len(b)] <= max
}
