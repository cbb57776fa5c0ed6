package cacao

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/secopsdesign/secops/internal/jsonpos"
)

// Decode reads one CACAO playbook in JSON. Malformed input is an error
// that says where, as a JSON path, and what was wanted, in the terms of
// the format: "workflow: want an object of steps, got an array". A JSON
// document that is not an object, or whose type is not "playbook" (a
// STIX bundle, say), is an error saying so.
func Decode(data []byte) (*Playbook, error) {
	pb, _, err := decode(data)
	return pb, err
}

// decode returns the playbook and the generic JSON tree it was read
// from, which Import walks to list what it does not carry over.
func decode(data []byte) (*Playbook, map[string]any, error) {
	var tree any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return nil, nil, syntaxError(data, err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, nil, errors.New("not a CACAO playbook: there is more after the JSON value")
	}
	root, ok := tree.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("not a CACAO playbook: the JSON is %s, not an object", article(kindOf(tree)))
	}
	switch t, ok := root["type"]; {
	case !ok:
		return nil, nil, errors.New(`not a CACAO playbook: it has no type (want "playbook")`)
	case kindOf(t) != "string":
		return nil, nil, fmt.Errorf("not a CACAO playbook: type is %s, not a string", article(kindOf(t)))
	case t != "playbook":
		return nil, nil, fmt.Errorf("not a CACAO playbook: type is %q", t)
	}
	var errs []error
	checkShape(root, playbookShape, "", &errs)
	if len(errs) > 0 {
		if len(errs) > 10 {
			errs = append(errs[:10], fmt.Errorf("and %d more", len(errs)-10))
		}
		return nil, nil, errors.Join(errs...)
	}
	var pb Playbook
	if err := json.Unmarshal(data, &pb); err != nil {
		// checkShape accepts only what decodes; this is a bug if seen.
		return nil, nil, fmt.Errorf("CACAO playbook: %w", err)
	}
	return &pb, root, nil
}

func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := jsonpos.OfSyntaxError(data, se)
		return fmt.Errorf("not valid JSON: line %d, column %d: %s", line, col, strings.TrimPrefix(se.Error(), "json: "))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "unexpected EOF") {
		return errors.New("not valid JSON: the document ends early")
	}
	return fmt.Errorf("not valid JSON: %v", err)
}

// jshape is what a JSON value must look like to decode into the types of
// this package.
type jshape struct {
	kind  string             // "string", "bool", "integer", "any", "array", "object"
	what  string             // how to say it, e.g. "an object of steps"; default from kind
	elem  *jshape            // the elements of arrays and the values of objects with no props
	props map[string]*jshape // the known properties of objects; others are not checked
	null  bool               // null is allowed too
}

var (
	strShape      = &jshape{kind: "string"}
	boolShape     = &jshape{kind: "bool"}
	intShape      = &jshape{kind: "integer"}
	strList       = &jshape{kind: "array", what: "an array of strings", elem: strShape}
	anyObject     = &jshape{kind: "object"}
	objOfObjects  = &jshape{kind: "object", elem: anyObject}
	variableShape = &jshape{kind: "object", what: "a variable object", props: map[string]*jshape{
		"type": strShape, "description": strShape, "value": {kind: "any"}, "constant": boolShape, "external": boolShape}}
	variablesShape = &jshape{kind: "object", what: "an object of variables", elem: variableShape}
	agentShape     = &jshape{kind: "object", what: "an agent or target object", props: map[string]*jshape{
		"type": strShape, "name": strShape, "description": strShape, "category": strList,
		"address": {kind: "object", what: "an object of address lists", elem: strList}, "authentication_info": strShape}}
	commandShape = &jshape{kind: "object", what: "a command object", props: map[string]*jshape{
		"type": strShape, "description": strShape, "command": strShape, "command_b64": strShape, "content": strShape,
		"headers": {kind: "object", what: "an object of header value lists", elem: strList}}}
	stepShape = &jshape{kind: "object", what: "a workflow step object", props: map[string]*jshape{
		"type": strShape, "name": strShape, "description": strShape, "step_variables": variablesShape,
		"on_completion": strShape, "on_success": strShape, "on_failure": strShape, "timeout": intShape,
		"step_extensions": objOfObjects, "commands": {kind: "array", what: "an array of commands", elem: commandShape},
		"agent": strShape, "targets": strList, "in_args": strList, "out_args": strList, "playbook_id": strShape,
		"condition": strShape, "on_true": strShape, "on_false": strShape, "switch": strShape,
		"cases": {kind: "object", what: "an object of step ids", elem: strShape}, "next_steps": strList}}
	playbookShape = &jshape{kind: "object", props: map[string]*jshape{
		"type": strShape, "spec_version": strShape, "id": strShape, "name": strShape, "description": strShape,
		"playbook_types": strList, "created_by": strShape, "created": strShape, "modified": strShape, "labels": strList,
		"external_references": {kind: "array", what: "an array of external references", elem: &jshape{kind: "object",
			what: "an external reference object", props: map[string]*jshape{"name": strShape, "description": strShape,
				"source": strShape, "url": strShape, "external_id": strShape, "reference_id": strShape}}},
		"markings": strList, "playbook_variables": variablesShape, "workflow_start": strShape, "workflow_exception": strShape,
		"workflow":            {kind: "object", what: "an object of steps", elem: stepShape},
		"playbook_extensions": objOfObjects,
		"authentication_info_definitions": {kind: "object", elem: &jshape{kind: "object", props: map[string]*jshape{
			"type": strShape, "name": strShape, "oauth_header": strShape, "token": strShape,
			"authentication_info_extensions": objOfObjects}}},
		"agent_definitions":  {kind: "object", what: "an object of agents", elem: agentShape},
		"target_definitions": {kind: "object", what: "an object of targets", elem: agentShape},
		"extension_definitions": {kind: "object", elem: &jshape{kind: "object", props: map[string]*jshape{
			"type": strShape, "name": strShape, "description": strShape, "created_by": strShape, "schema": strShape, "version": strShape}}},
		"data_marking_definitions": {kind: "object", elem: &jshape{kind: "object", props: map[string]*jshape{
			"type": strShape, "id": strShape, "name": strShape, "created_by": strShape, "created": strShape,
			"tlpv2_level": strShape, "statement": strShape}}},
	}}
)

// checkShape appends an error for each value under v that does not
// have the jshape s, with its JSON path.
func checkShape(v any, s *jshape, path string, errs *[]error) {
	if v == nil && s.null {
		return
	}
	got := kindOf(v)
	ok := got == s.kind || s.kind == "any"
	if s.kind == "integer" && got == "number" {
		n, err := v.(json.Number).Int64()
		ok = err == nil && n >= 0 && n <= math.MaxInt32*1000
	}
	if !ok {
		want := s.what
		if want == "" {
			want = article(s.kind)
			if s.kind == "integer" {
				want = "a whole number of milliseconds"
			}
		}
		*errs = append(*errs, fmt.Errorf("%s: want %s, got %s", pathOrRoot(path), want, describeJSON(v)))
		return
	}
	switch s.kind {
	case "array":
		for i, e := range v.([]any) {
			checkShape(e, s.elem, path+"["+strconv.Itoa(i)+"]", errs)
		}
	case "object":
		m := v.(map[string]any)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub := s.elem
			if s.props != nil {
				sub = s.props[k]
			}
			if sub != nil {
				checkShape(m[k], sub, joinPath(path, k, s.props == nil), errs)
			}
		}
	}
}

// joinPath appends key k to a JSON path: .k for a property name, ["k"]
// for a dictionary key (step ids and the like).
func joinPath(path, k string, dict bool) string {
	if dict || !isName(k) {
		return path + "[" + strconv.Quote(k) + "]"
	}
	if path == "" {
		return k
	}
	return path + "." + k
}

func isName(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func pathOrRoot(p string) string {
	if p == "" {
		return "the playbook"
	}
	return p
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case json.Number, float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "value"
}

func describeJSON(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return "the string " + strconv.Quote(x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return "the boolean " + strconv.FormatBool(x)
	}
	return article(kindOf(v))
}

func article(jsonType string) string {
	if strings.HasPrefix(jsonType, `"a`) {
		return "an " + jsonType
	}
	switch jsonType {
	case "array", "object", "integer":
		return "an " + jsonType
	case "bool":
		return "a boolean"
	}
	return "a " + jsonType
}
