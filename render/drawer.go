package render

import "context"

// A Drawer lays out a Graphviz DOT graph and draws it as SVG: what
// "dot -Tsvg" does. HTML and SVG hand it the DOT of a playbook's flow and
// tidy the SVG it returns (the XML prolog dropped, the size made to scale).
type Drawer interface {
	DrawSVG(ctx context.Context, dot []byte) ([]byte, error)
}

// DrawerFunc lets a plain function be a Drawer.
type DrawerFunc func(ctx context.Context, dot []byte) ([]byte, error)

// DrawSVG calls f.
func (f DrawerFunc) DrawSVG(ctx context.Context, dot []byte) ([]byte, error) { return f(ctx, dot) }

var (
	_ Drawer = DrawerFunc(nil)
	_ Drawer = (*Helper)(nil)
)

// An Option changes how HTML and SVG draw.
type Option func(*options)

type options struct {
	drawer Drawer
}

// WithDrawer draws the flows with dr instead of the default, the
// secops-graphviz helper shared by the whole process (see Helper).
func WithDrawer(dr Drawer) Option {
	return func(o *options) { o.drawer = dr }
}

func newOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.drawer == nil {
		o.drawer = defaultHelper
	}
	return o
}
