package render

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// asciiWidths are the advance widths of the printable ASCII characters
// (space to tilde) in thousandths of an em, in DejaVu Sans, the sans-serif
// that Debian's browsers use and the widest of the common ones (Arial,
// Helvetica, Liberation Sans and Noto Sans are narrower), so that a box
// sized from them holds its text in any of them. Read from DejaVuSans.ttf
// with golang.org/x/image/font/sfnt, rounded up.
var asciiWidths = [95]int16{
	318, 401, 460, 838, 637, 951, 780, 275, 391, 391, 500, 838, 318, 361, 318, 337,
	637, 637, 637, 637, 637, 637, 637, 637, 637, 637, 337, 337, 838, 838, 838, 531,
	1000, 685, 687, 699, 771, 632, 576, 775, 752, 295, 295, 656, 558, 863, 749, 788,
	604, 788, 695, 635, 611, 732, 685, 989, 686, 611, 686, 391, 337, 391, 838, 500,
	500, 613, 635, 550, 635, 616, 353, 635, 634, 278, 278, 580, 278, 975, 634, 612,
	635, 635, 412, 521, 393, 634, 592, 818, 592, 592, 525, 637, 337, 637, 838,
}

// runeWidth returns the advance width of r in thousandths of an em: from
// the table for ASCII, a full em for East Asian wide and fullwidth
// characters (CJK ideographs, kana, fullwidth forms: every CJK font draws
// them one em wide), nothing for combining marks, and the width of the
// widest lower-case letter for anything else.
func runeWidth(r rune) int {
	switch {
	case r >= ' ' && r <= '~':
		return int(asciiWidths[r-' '])
	case r < ' ' || unicode.Is(unicode.Mn, r):
		return 0
	case wide(r):
		return 1000
	}
	return 820
}

// wide reports whether r is East Asian wide or fullwidth.
func wide(r rune) bool {
	return r >= 0x1100 && r <= 0x115F || // Hangul Jamo
		r >= 0x2E80 && r <= 0x303E || // CJK radicals, punctuation
		r >= 0x3041 && r <= 0x33FF || // kana, CJK compatibility
		r >= 0x3400 && r <= 0x4DBF || // CJK extension A
		r >= 0x4E00 && r <= 0x9FFF || // CJK unified ideographs
		r >= 0xA000 && r <= 0xA4CF || // Yi
		r >= 0xAC00 && r <= 0xD7A3 || // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF || // CJK compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F || // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFF60 || // fullwidth forms
		r >= 0xFFE0 && r <= 0xFFE6 ||
		r >= 0x1F300 && r <= 0x1F64F || // emoji
		r >= 0x20000 && r <= 0x3FFFD // CJK extensions B and on
}

// textWidth returns the width of s in points at the given font size.
func textWidth(s string, size float64) float64 {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return float64(w) * size / 1000
}

// noBreakBefore are the characters a line may not start with (Japanese
// kinsoku: closing brackets, small kana, punctuation).
const noBreakBefore = "、。，．・：；？！ー）］｝」』】〉》〕’”ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ)]}.,:;!?%"

// noBreakAfter are the characters a line may not end with (opening
// brackets).
const noBreakAfter = "（［｛「『【〈《〔‘“([{"

// idChar reports whether r can be part of an id or a word of Latin
// script: lines are never broken inside a run of them.
func idChar(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/&:#@+'\"%", r)) ||
		r >= utf8.RuneSelf && !wide(r) && !unicode.IsSpace(r) && !unicode.IsPunct(r)
}

// segments splits s into the pieces a line may break between: runs of
// Latin letters, digits and id characters (an id like c2-traffic or 1.2.3
// is one piece, and so is an English word with its punctuation), single
// spaces, and single CJK characters with the punctuation that may not be
// separated from them.
func segments(s string) []string {
	var segs []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		j := i + 1
		switch {
		case unicode.IsSpace(rs[i]):
		case idChar(rs[i]):
			for j < len(rs) && idChar(rs[j]) {
				j++
			}
		case katakana(rs[i]): // a loanword: マルウェア is one word
			for j < len(rs) && katakana(rs[j]) {
				j++
			}
		}
		// Keep opening brackets with what follows them.
		for strings.ContainsRune(noBreakAfter, rs[j-1]) && j < len(rs) {
			k := j + 1
			if idChar(rs[j]) {
				for k < len(rs) && idChar(rs[k]) {
					k++
				}
			}
			j = k
		}
		// Keep closing punctuation with what precedes it.
		for j < len(rs) && strings.ContainsRune(noBreakBefore, rs[j]) {
			j++
		}
		segs = append(segs, string(rs[i:j]))
		i = j
	}
	return segs
}

// wrap breaks s into lines no wider than width points at the given font
// size, never inside a word or an id; a piece wider than a line gets a
// line of its own. Where a line must break, it breaks at the best place in
// its last 60% (the better the place, the further back): at a space or
// after punctuation, else where Japanese
// changes from kana to another script (between bunsetsu, as in
// 確認された|別端末), else between any two CJK characters. White space
// at the ends of lines is dropped.
func wrap(s string, width, size float64) []string {
	s = oneLine(s)
	if s == "" {
		return nil
	}
	segs := segments(s)
	widths := make([]float64, len(segs))
	for i, seg := range segs {
		widths[i] = textWidth(seg, size)
	}
	var lines []string
	emit := func(from, to int) {
		if l := strings.TrimSpace(strings.Join(segs[from:to], "")); l != "" {
			lines = append(lines, l)
		}
	}
	start, lineW := 0, 0.0
	for i := 0; i < len(segs); i++ {
		if lineW+widths[i] <= width || i == start || strings.TrimSpace(segs[i]) == "" {
			lineW += widths[i]
			continue
		}
		// Break before segment i, or at a better place earlier in the line.
		best, bestPenalty, w := i, breakPenalty(segs[i-1], segs[i]), lineW
		for j := i - 1; j > start; j-- {
			w -= widths[j]
			if w < 0.4*width {
				break
			}
			// The better the place, the shorter the line may be left.
			if p := breakPenalty(segs[j-1], segs[j]); p < bestPenalty && w >= (0.4+0.1*float64(p))*width {
				best, bestPenalty = j, p
			}
		}
		emit(start, best)
		start, lineW = best, 0
		for j := best; j <= i; j++ {
			lineW += widths[j]
		}
	}
	emit(start, len(segs))
	return lines
}

// breakPenalty says how bad a line break between two segments is: 0 at a
// space or after punctuation, 1 between Latin and CJK, 2 after hiragana
// before anything else and between katakana and kanji, 3 inside a run of
// kanji, 4 between a kanji and the hiragana that inflect it.
func breakPenalty(before, after string) int {
	b, _ := utf8.DecodeLastRuneInString(before)
	a, _ := utf8.DecodeRuneInString(after)
	switch {
	case unicode.IsSpace(b) || unicode.IsSpace(a):
		return 0
	case strings.ContainsRune("、。，．：；！？:;,.!?)）」』", b):
		return 0
	case wide(a) != wide(b):
		return 1
	case hiragana(b) && !hiragana(a), katakana(b) != katakana(a):
		return 2
	case !hiragana(b) && hiragana(a):
		return 4
	}
	return 3
}

func hiragana(r rune) bool { return r >= 0x3041 && r <= 0x309F }

// katakana reports whether r is a katakana letter or the long vowel mark.
func katakana(r rune) bool { return r >= 0x30A1 && r <= 0x30FA || r == 0x30FC }

// joinFolded rejoins text that YAML folded (">-") or that was written over
// several lines: a line break between two CJK characters is dropped, any
// other run of white space becomes one space.
func joinFolded(s string) string {
	var b strings.Builder
	rs := []rune(strings.TrimSpace(s))
	for i := 0; i < len(rs); i++ {
		if !unicode.IsSpace(rs[i]) {
			b.WriteRune(rs[i])
			continue
		}
		j := i
		hasBreak := false
		for j < len(rs) && unicode.IsSpace(rs[j]) {
			hasBreak = hasBreak || rs[j] == '\n'
			j++
		}
		// A space that YAML put in place of a line break between two CJK
		// characters was never meant: Japanese has no spaces between words.
		if i > 0 && j < len(rs) && wide(rs[i-1]) && wide(rs[j]) && (hasBreak || j-i == 1) {
			i = j - 1
			continue
		}
		b.WriteByte(' ')
		i = j - 1
	}
	return b.String()
}
