package render

import (
	"regexp"
	"strings"
)

// mdSpecials are the characters backslash-escaped in Markdown text: those
// that start emphasis, code, links, HTML, strikethrough and headings, and
// the backslash itself. The pipe is escaped by cell instead, since GitHub
// needs it escaped inside code spans too.
var mdSpecials = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `~`, `\~`, `#`, `\#`,
)

// entityRE matches what Markdown would read as an HTML entity reference.
var entityRE = regexp.MustCompile(`&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);`)

// blockStartRE matches the start of a line that Markdown would read as a
// list item, a thematic break or a setext heading underline.
var blockStartRE = regexp.MustCompile(`^([-+=]|[0-9]+[.)])`)

// text escapes s for use inline in Markdown (in a table cell, a list item
// or a heading, after other text), on one line.
func text(s string) string {
	s = mdSpecials.Replace(oneLine(s))
	return entityRE.ReplaceAllString(s, `\$0`)
}

// paragraph escapes s as a Markdown paragraph, keeping its line breaks as
// hard breaks; pipes (which could make two lines a table) and lines that
// would start a list, a break or a setext heading are escaped too.
func paragraph(s string) string {
	var lines []string
	for l := range strings.SplitSeq(strings.TrimSpace(s), "\n") {
		l = strings.ReplaceAll(text(l), "|", `\|`)
		if l == "" {
			continue
		}
		if blockStartRE.MatchString(l) {
			i := strings.IndexAny(l, "-+=.)")
			l = l[:i] + `\` + l[i:]
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\\\n")
}

// code writes s as a Markdown code span, on one line, with a fence longer
// than any run of backticks in s.
func code(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// cell makes Markdown inline text fit in a GitHub table cell: pipes are
// escaped (GitHub wants that inside code spans too) and line breaks become
// <br>.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "<br>")
}
