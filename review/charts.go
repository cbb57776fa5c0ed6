package review

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one chart of a report, as an SVG document.
type Chart struct {
	// File is the chart's file name, e.g. "alerts-per-day.svg".
	File string
	// Title says what the chart shows; the Markdown report uses it as
	// the image's text.
	Title string
	// SVG is the chart.
	SVG []byte
}

// series is one named row of values, one per category of a chart.
type series struct {
	name   string
	values []float64
	color  color.Color // nil: the palette's
}

// severityColor colours the i-th of n severities, most severe first:
// from red to yellow.
func severityColor(i, n int) color.Color {
	f := 0.0
	if n > 1 {
		f = float64(i) / float64(n-1)
	}
	return color.RGBA{R: uint8(200 + 40*f), G: uint8(40 + 170*f), B: 40, A: 255}
}

// svg renders p as an SVG document of w by h, fonts referenced by name.
func svg(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// barChart draws one bar per category and series, the series stacked on
// each other (stacked) or side by side, with an optional horizontal line
// per category (marks: NaN for none) drawn as a short red tick.
func barChart(title, yLabel string, categories []string, ss []series, stacked bool, marks []float64, markName string) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	p.NominalX(categories...)
	if len(categories) > 12 {
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	width := vg.Points(float64(480) / float64(max(1, len(categories))) * 0.5)
	if !stacked {
		width /= vg.Length(max(1, len(ss)))
	}
	var below *plotter.BarChart
	top := 0.0 // the highest bar or mark, to leave room for the legend
	sums := make([]float64, len(categories))
	var legend []func()
	for i, s := range ss {
		b, err := plotter.NewBarChart(plotter.Values(s.values), width)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", title, err)
		}
		b.Color = plotutil.Color(i)
		if s.color != nil {
			b.Color = s.color
		}
		b.LineStyle.Width = 0
		for j, v := range s.values {
			if stacked {
				sums[j] += v
				top = max(top, sums[j])
			} else {
				top = max(top, v)
			}
		}
		if stacked {
			if below != nil {
				b.StackOn(below)
			}
			below = b
		} else {
			b.Offset = width * (vg.Length(i) - vg.Length(len(ss)-1)/2)
		}
		p.Add(b)
		legend = append(legend, func() { p.Legend.Add(s.name, b) })
	}
	if stacked {
		// The legend lists the series from the top of the stack down.
		slices.Reverse(legend)
	}
	for _, add := range legend {
		add()
	}
	if marks != nil {
		// Each mark is a red line across its category's bars.
		added := false
		for i, m := range marks {
			if math.IsNaN(m) {
				continue
			}
			l, err := plotter.NewLine(plotter.XYs{{X: float64(i) - 0.4, Y: m}, {X: float64(i) + 0.4, Y: m}})
			if err != nil {
				return nil, fmt.Errorf("chart %s: %w", title, err)
			}
			l.LineStyle.Color = color.RGBA{R: 200, A: 255}
			l.LineStyle.Width = vg.Points(2)
			l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			p.Add(l)
			if !added {
				p.Legend.Add(markName, l)
				added = true
			}
			top = max(top, m)
		}
	}
	p.Add(plotter.NewGrid())
	p.Y.Min = 0
	p.X.Min, p.X.Max = -0.5, float64(len(categories))-0.5
	p.Y.Max = max(1, top) * (1.15 + 0.07*float64(len(ss)))
	return svg(p, 16*vg.Centimeter, 10*vg.Centimeter)
}

// Charts returns the charts of the replay: alerts per day per severity,
// and what each detection took and shadowed.
func (r *ReplayReport) Charts() ([]Chart, error) {
	var charts []Chart
	if len(r.PerDay) > 0 {
		days := make([]string, len(r.PerDay))
		for i, d := range r.PerDay {
			days[i] = d.Day
		}
		var ss []series
		for k, sev := range r.severityOrder {
			s := series{name: string(sev), values: make([]float64, len(r.PerDay)), color: severityColor(k, len(r.severityOrder))}
			for i, d := range r.PerDay {
				s.values[i] = float64(d.Severities[sev])
			}
			ss = append(ss, s)
		}
		// Least severe at the bottom, so the most severe sits on top.
		for i, j := 0, len(ss)-1; i < j; i, j = i+1, j-1 {
			ss[i], ss[j] = ss[j], ss[i]
		}
		b, err := barChart("Matched alerts per day by severity", "alerts", days, ss, true, nil, "")
		if err != nil {
			return nil, err
		}
		charts = append(charts, Chart{File: "alerts-per-day.svg", Title: "Matched alerts per day by severity", SVG: b})
	}
	if len(r.Detections) > 0 {
		ids := make([]string, len(r.Detections))
		took := series{name: "took", values: make([]float64, len(r.Detections))}
		shadowed := series{name: "also matched, taken earlier", values: make([]float64, len(r.Detections))}
		for i, d := range r.Detections {
			ids[i] = fmt.Sprintf("%d", i+1)
			took.values[i], shadowed.values[i] = float64(d.Matched), float64(d.Shadowed)
		}
		b, err := barChart("Alerts per detection (numbered in design order)", "alerts", ids, []series{took, shadowed}, true, nil, "")
		if err != nil {
			return nil, err
		}
		charts = append(charts, Chart{File: "detections.svg", Title: "Alerts per detection", SVG: b})
	}
	return charts, nil
}
