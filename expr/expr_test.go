package expr

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompile(t *testing.T) {
	tests := []struct {
		name     string
		scope    Scope
		src      string
		wantErr  bool
		wantRefs []string
	}{
		{"detection", Alert, `alert.category == "c2" && alert.signature.startsWith("TI:")`, false, []string{"category", "signature"}},
		{"presence", Fields, `has(fields.file_name)`, false, []string{"file_name"}},
		{"index", Fields, `fields["attack_ongoing"] == true && severity == "high"`, false, []string{"attack_ongoing"}},
		{"policy", Design, `design.responses.all(r, r.approval == "csirt")`, false, []string{"responses"}},
		{"syntax", Fields, `fields.x ==`, true, nil},
		{"not bool", Fields, `1 + 2`, true, nil},
		{"unknown variable", Alert, `fields.x`, true, nil},
		{"empty", Fields, `  `, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.scope, tt.src)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Compile() error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.wantRefs, p.Refs()); diff != "" {
				t.Errorf("Refs() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBoolKeys(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want []string
	}{
		{`fields.a`, []string{"a"}},
		{`!fields.a && (fields.b || fields["c"])`, []string{"a", "b", "c"}},
		{`fields.a ? fields.b == 1 : false`, []string{"a"}},
		{`severity == "high" ? fields.a : fields.b`, []string{"a", "b"}},
		{`!(fields.a ? fields.b : fields.c)`, []string{"b", "c", "a"}},
		{`has(fields.a) && fields.b == "x"`, nil},
		{`size(fields.a) > 0`, nil},
	} {
		p, err := Compile(Fields, tt.src)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, p.BoolKeys()); diff != "" {
			t.Errorf("%s: BoolKeys (-want +got):\n%s", tt.src, diff)
		}
	}
}

func TestReadsWhole(t *testing.T) {
	for _, tt := range []struct {
		src   string
		whole bool
	}{
		{`design.responses.all(r, r.approval == "csirt")`, false},
		{`design["scope"].parties.size() > 0 && has(design.policies)`, false},
		{`design.size() > 3`, true},
		{`[design].all(d, has(d.scope))`, true},
	} {
		p, err := Compile(Design, tt.src)
		if err != nil {
			t.Fatal(err)
		}
		if p.ReadsWhole() != tt.whole {
			t.Errorf("%s: ReadsWhole() = %v, want %v", tt.src, p.ReadsWhole(), tt.whole)
		}
	}
}

func TestEval(t *testing.T) {
	p, err := Compile(Fields, `fields.attack_ongoing`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Eval(context.Background(), &Vars{Fields: map[string]any{"attack_ongoing": true}})
	if err != nil || !got {
		t.Errorf("Eval = %v, %v", got, err)
	}
	if _, err := p.Eval(context.Background(), &Vars{}); err == nil {
		t.Error("Eval on a missing key: no error")
	}
	p, _ = Compile(Fields, `fields.x`)
	if _, err := p.Eval(context.Background(), &Vars{Fields: map[string]any{"x": 3}}); err == nil {
		t.Error("Eval of a non-bool: no error")
	}
}

func TestCacheCompilesOnce(t *testing.T) {
	var c Cache
	a, _ := c.Compile(Fields, "fields.a")
	b, _ := c.Compile(Fields, "fields.a")
	if a != b || c.Len() != 1 {
		t.Errorf("same expression compiled twice: %p %p, Len %d", a, b, c.Len())
	}
	if _, err := c.Compile(Fields, "fields.a +"); err == nil {
		t.Error("no error for a syntax error")
	}
}
