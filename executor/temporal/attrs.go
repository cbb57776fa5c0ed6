package temporal

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	sdk "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The search attributes of a run, upserted as it moves, so that runs are
// listed through Temporal's visibility.
var (
	AttrStatus   = sdk.NewSearchAttributeKeyKeyword("SecopsStatus")
	AttrIncident = sdk.NewSearchAttributeKeyKeyword("SecopsIncident")
	AttrSeverity = sdk.NewSearchAttributeKeyKeyword("SecopsSeverity")
	AttrPlaybook = sdk.NewSearchAttributeKeyKeyword("SecopsPlaybook")
	AttrResponse = sdk.NewSearchAttributeKeyKeyword("SecopsResponse")
	AttrDesign   = sdk.NewSearchAttributeKeyKeyword("SecopsDesign")
	AttrBreached = sdk.NewSearchAttributeKeyBool("SecopsBreached")
	// AttrRolledBack is set, true, once a rollback undid every response
	// method the run applied (executor.Record.Undone).
	AttrRolledBack = sdk.NewSearchAttributeKeyBool("SecopsRolledBack")
)

// SearchAttributes lists the search attributes a namespace needs, name to
// type.
func SearchAttributes() map[string]enums.IndexedValueType {
	m := map[string]enums.IndexedValueType{}
	for _, k := range []sdk.SearchAttributeKeyKeyword{AttrStatus, AttrIncident, AttrSeverity, AttrPlaybook, AttrResponse, AttrDesign} {
		m[k.GetName()] = enums.INDEXED_VALUE_TYPE_KEYWORD
	}
	m[AttrBreached.GetName()] = enums.INDEXED_VALUE_TYPE_BOOL
	m[AttrRolledBack.GetName()] = enums.INDEXED_VALUE_TYPE_BOOL
	return m
}

// RegisterSearchAttributes adds to namespace the search attributes it
// lacks, returning those added, so that a fresh server works with no
// other step. A name registered with another type is an error.
func RegisterSearchAttributes(ctx context.Context, c client.Client, namespace string) ([]string, error) {
	if namespace == "" {
		namespace = client.DefaultNamespace
	}
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return nil, fmt.Errorf("listing the search attributes of namespace %s: %w", namespace, err)
	}
	missing := map[string]enums.IndexedValueType{}
	var added []string
	want := SearchAttributes()
	for _, name := range slices.Sorted(maps.Keys(want)) {
		t := want[name]
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = t
			added = append(added, name)
		case got != t:
			return nil, fmt.Errorf("namespace %s has search attribute %s of type %s; secops needs %s", namespace, name, got, t)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: missing}); err != nil {
		return nil, fmt.Errorf("adding search attributes %v to namespace %s: %w", added, namespace, err)
	}
	return added, nil
}

// attrs are a run's search attribute values.
type attrs struct {
	status, incident, severity, playbook, response string
	breached, rolledBack                           bool
	set                                            bool
}

// upsert upserts the search attributes that changed.
func (f *flow) upsert() {
	rec := f.rec
	if rec == nil {
		return
	}
	now := attrs{status: string(rec.Status), incident: string(rec.Incident), severity: string(rec.Severity),
		playbook: string(rec.Playbook), response: string(rec.Response), breached: rec.Breached, rolledBack: rec.Undone(), set: true}
	old := f.attrs
	if now == old {
		return
	}
	var u []sdk.SearchAttributeUpdate
	for _, kv := range []struct {
		key      sdk.SearchAttributeKeyKeyword
		was, now string
	}{{AttrStatus, old.status, now.status}, {AttrIncident, old.incident, now.incident}, {AttrSeverity, old.severity, now.severity},
		{AttrPlaybook, old.playbook, now.playbook}, {AttrResponse, old.response, now.response}} {
		if kv.now != kv.was && kv.now != "" {
			u = append(u, kv.key.ValueSet(kv.now))
		}
	}
	if !old.set {
		u = append(u, AttrDesign.ValueSet(string(f.drv.Plan().Design().Metadata.Name)))
	}
	if now.breached != old.breached || !old.set {
		u = append(u, AttrBreached.ValueSet(now.breached))
	}
	// Set only once it is true, and only by workflows that reached the
	// rollback with this code (a version marker): the histories of runs
	// rolled back before the attribute existed replay as written.
	if now.rolledBack && !old.rolledBack &&
		workflow.GetVersion(f.ctx, "rolled-back-attribute", workflow.DefaultVersion, 1) == 1 {
		u = append(u, AttrRolledBack.ValueSet(true))
	}
	if len(u) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(f.ctx, u...); err != nil {
			workflow.GetLogger(f.ctx).Warn("upserting search attributes", "error", err)
			return
		}
	}
	f.attrs = now
}
