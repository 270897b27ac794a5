package bench

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

// The HTML report is one self-contained page: inline CSS and inline SVG
// charts drawn here, no script and no external asset, so it can be mailed
// or attached to an issue and opened anywhere.

// series is one line of a chart.
type series struct {
	name   string
	points []Point
}

var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"}

// chartSpec describes a line chart.
type chartSpec struct {
	title, xLabel, yLabel string
	logY                  bool
	// xTicks, when given, places labelled ticks at these x values.
	xTicks   []Point // X: position, Y unused; label from xTickLabel
	xLabelFn func(float64) string
	yLabelFn func(float64) string
	// markers are labelled vertical lines (round starts).
	markers []marker
}

type marker struct {
	x     float64
	label string
}

// lineChart renders series as an inline SVG line chart.
func lineChart(spec chartSpec, ss []series) template.HTML {
	const (
		w, h                   = 860.0, 340.0
		left, right, top, bott = 70.0, 200.0, 30.0, 45.0
	)
	pw, ph := w-left-right, h-top-bott
	minX, maxX := math.Inf(1), math.Inf(-1)
	minY, maxY := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, p := range s.points {
			minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
			y := p.Y
			if spec.logY && y <= 0 {
				continue
			}
			minY, maxY = math.Min(minY, y), math.Max(maxY, y)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s">`,
		w, h, w, h, html.EscapeString(spec.title))
	fmt.Fprintf(&b, `<text x="%.0f" y="18" class="title">%s</text>`, left, html.EscapeString(spec.title))
	if math.IsInf(minX, 0) || math.IsInf(minY, 0) {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f">no data</text></svg>`, left+pw/2-30, top+ph/2)
		return template.HTML(b.String())
	}
	if maxX == minX {
		maxX = minX + 1
	}
	ty := func(v float64) float64 { return v }
	if spec.logY {
		minY, maxY = math.Pow(10, math.Floor(math.Log10(minY))), math.Pow(10, math.Ceil(math.Log10(maxY)))
		if maxY == minY {
			maxY = minY * 10
		}
		ty = math.Log10
	} else {
		minY = 0
		if maxY <= 0 {
			maxY = 1
		}
		maxY = niceCeil(maxY)
	}
	sx := func(x float64) float64 { return left + (x-minX)/(maxX-minX)*pw }
	sy := func(y float64) float64 {
		if spec.logY && y <= 0 {
			y = minY
		}
		return top + ph - (ty(y)-ty(minY))/(ty(maxY)-ty(minY))*ph
	}
	// Axes and grid.
	fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="plot"/>`, left, top, pw, ph)
	var yt []float64
	if spec.logY {
		for v := minY; v <= maxY*1.0001; v *= 10 {
			yt = append(yt, v)
		}
	} else {
		for i := 0; i <= 5; i++ {
			yt = append(yt, maxY*float64(i)/5)
		}
	}
	for _, v := range yt {
		y := sy(v)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="grid"/>`, left, left+pw, y, y)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="tick" text-anchor="end">%s</text>`, left-6, y+4, html.EscapeString(spec.yLabelFn(v)))
	}
	xt := spec.xTicks
	if xt == nil {
		step := niceCeil((maxX - minX) / 8)
		for v := math.Ceil(minX/step) * step; v <= maxX; v += step {
			xt = append(xt, Point{X: v})
		}
	}
	for _, p := range xt {
		if p.X < minX || p.X > maxX {
			continue
		}
		x := sx(p.X)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="grid"/>`, x, x, top, top+ph)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="tick" text-anchor="middle">%s</text>`, x, top+ph+16, html.EscapeString(spec.xLabelFn(p.X)))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="axis" text-anchor="middle">%s</text>`, left+pw/2, h-6, html.EscapeString(spec.xLabel))
	fmt.Fprintf(&b, `<text x="14" y="%.1f" class="axis" text-anchor="middle" transform="rotate(-90 14 %.1f)">%s</text>`, top+ph/2, top+ph/2, html.EscapeString(spec.yLabel))
	for _, m := range spec.markers {
		if m.x < minX || m.x > maxX {
			continue
		}
		x := sx(m.x)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="marker"/>`, x, x, top, top+ph)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="tick">%s</text>`, x+3, top+11, html.EscapeString(m.label))
	}
	// Lines and legend.
	for i, s := range ss {
		color := palette[i%len(palette)]
		var pts []string
		for _, p := range s.points {
			if spec.logY && p.Y <= 0 {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", sx(p.X), sy(p.Y)))
		}
		fmt.Fprintf(&b, `<polyline class="series" fill="none" stroke="%s" stroke-width="1.8" points="%s"><title>%s</title></polyline>`,
			color, strings.Join(pts, " "), html.EscapeString(s.name))
		if len(pts) == 1 {
			xy := strings.Split(pts[0], ",")
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`, xy[0], xy[1], color)
		}
		ly := top + 12 + float64(i)*18
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="3"/>`, left+pw+12, left+pw+30, ly-4, ly-4, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="legend">%s</text>`, left+pw+36, ly, html.EscapeString(truncate(s.name, 26)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// percentileX maps a percentile onto the log axis of the spectrum chart:
// 0 -> 0, 90 -> 1, 99 -> 2, 99.9 -> 3, ... (100 is drawn at 5).
func percentileX(p float64) float64 {
	if p >= 99.999 {
		return 5
	}
	return -math.Log10(1 - p/100)
}

func fmtRate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.0fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// htmlCharts builds the report's charts.
func htmlCharts(r *Report) []template.HTML {
	var tput, p99, spec []series
	var rounds []marker
	multi := len(r.Targets) > 1
	if len(r.Targets) > 0 && r.Rounds > 1 {
		prev := 0
		for i, tp := range r.Targets[0].Timeline {
			if tp.Round != prev {
				x := 0.0
				if i > 0 {
					x = r.Targets[0].Timeline[i-1].T
				}
				rounds = append(rounds, marker{x, fmt.Sprintf("round %d", tp.Round)})
				prev = tp.Round
			}
		}
	}
	label := func(t TargetReport, op string) string {
		if multi {
			return shortTarget(t.Target) + " " + op
		}
		return op
	}
	for _, t := range r.Targets {
		names := map[string]bool{}
		for _, tp := range t.Timeline {
			for n := range tp.Ops {
				names[n] = true
			}
		}
		var sorted []string
		for n := range names {
			sorted = append(sorted, n)
		}
		slices.Sort(sorted)
		for _, n := range sorted {
			s, q := series{name: label(t, n)}, series{name: label(t, n)}
			for _, tp := range t.Timeline {
				s.points = append(s.points, Point{tp.T, tp.Ops[n]})
				if v, ok := tp.P99us[n]; ok {
					q.points = append(q.points, Point{tp.T, v / 1e3})
				}
			}
			tput = append(tput, s)
			p99 = append(p99, q)
		}
		for _, o := range t.Ops {
			s := series{name: label(t, o.Op)}
			for _, p := range o.Spectrum {
				s.points = append(s.points, Point{percentileX(p.X), p.Y / 1e3})
			}
			spec = append(spec, s)
		}
	}
	secs := func(v float64) string { return fmt.Sprintf("%.0fs", v) }
	ms := func(v float64) string {
		if v < 1 {
			return fmt.Sprintf("%gms", math.Round(v*1000)/1000)
		}
		return fmt.Sprintf("%gms", v)
	}
	pct := []Point{{X: 0}, {X: 1}, {X: 2}, {X: 3}, {X: 4}, {X: 5}}
	pctLabel := func(x float64) string {
		return map[float64]string{0: "0%", 1: "90%", 2: "99%", 3: "99.9%", 4: "99.99%", 5: "max"}[x]
	}
	return []template.HTML{
		lineChart(chartSpec{title: "Throughput over time (ops/s; each target's rounds back to back, warm-ups included)", xLabel: "time (s)", yLabel: "ops/s",
			xLabelFn: secs, yLabelFn: fmtRate, markers: rounds}, tput),
		lineChart(chartSpec{title: "p99 latency over time (per second)", xLabel: "time (s)", yLabel: "p99 (ms)", logY: true,
			xLabelFn: secs, yLabelFn: ms, markers: rounds}, p99),
		lineChart(chartSpec{title: "Latency by percentile (measured rounds, merged)", xLabel: "percentile", yLabel: "latency (ms)", logY: true,
			xTicks: pct, xLabelFn: pctLabel, yLabelFn: ms}, spec),
	}
}

func shortTarget(s string) string {
	for _, p := range []string{"http://", "https://", "resp://", "redis://"} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"us":   fmtUS,
	"rate": func(v float64) string { return fmt.Sprintf("%.0f", v) },
	"x":    func(v float64) string { return fmt.Sprintf("%.2fx", v) },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>dynacache bench: {{.R.Workload}}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}
.meta td{text-align:left}.err{color:#b00}
svg.chart{display:block;margin:12px 0}.plot{fill:#fafafa;stroke:#999}.grid{stroke:#e3e3e3}
.tick{font-size:11px;fill:#555}.marker{stroke:#888;stroke-dasharray:4 3}.axis{font-size:12px;fill:#333}.title{font-size:13px;font-weight:600}.legend{font-size:11px}
</style></head><body>
<h1>dynacache bench</h1>
<table class="meta">
<tr><td>started</td><td>{{.R.Started.Format "2006-01-02 15:04:05 MST"}}</td></tr>
<tr><td>workload</td><td>{{.R.Workload}}, {{.R.Distribution}} keys</td></tr>
<tr><td>records</td><td>{{.R.Records}} x {{.R.ValueSize}} B</td></tr>
<tr><td>connections</td><td>{{.R.Connections}}{{if gt .R.Pipeline 1}}, pipeline {{.R.Pipeline}}{{end}}</td></tr>
<tr><td>rounds</td><td>{{.R.Rounds}} x {{if .R.Ops}}{{.R.Ops}} ops{{else}}{{.R.Duration}}{{end}}, warm-up {{.R.Warmup}}</td></tr>
<tr><td>pacing</td><td>{{if .R.Rate}}{{rate .R.Rate}} ops/s, latency from when each request was due{{else}}closed loop (each connection sends when its reply is in){{end}}</td></tr>
</table>
{{range .R.Targets}}
<h2>{{.Target}} ({{.Protocol}})</h2>
{{with .Load}}<p>load: {{.Records}} records in {{printf "%.1f" .Seconds}} s ({{rate .RecordsPerSec}} records/s), {{.Errors}} errors</p>{{end}}
<table><tr><th>op</th><th>ops</th><th>ops/s</th><th>errors</th><th>misses</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>
{{range .Ops}}<tr><td>{{.Op}}</td><td>{{.Count}}</td><td>{{rate .OpsPerSec}}</td><td>{{.Errors}}</td><td>{{.Misses}}</td><td>{{us .Latency.P50}}</td><td>{{us .Latency.P90}}</td><td>{{us .Latency.P99}}</td><td>{{us .Latency.P999}}</td><td>{{us .Latency.Max}}</td></tr>
{{end}}</table>
{{if gt (len .RoundOpsPerSec) 1}}<p>rounds (ops/s):{{range .RoundOpsPerSec}} {{rate .}}{{end}}</p>{{end}}
{{range .Ops}}{{$op := .Op}}{{range .ErrTypes}}<p class="err">{{$op}}: {{.Count}} x {{.Type}}: {{.Sample}}</p>{{end}}{{end}}
{{end}}
{{if .R.Ratios}}<h2>Ratios to {{(index .R.Ratios 0).Baseline}} (same run)</h2>
<table><tr><th>op</th><th>target</th><th>ops/s</th><th>p50</th><th>p99</th></tr>
{{range .R.Ratios}}<tr><td>{{.Op}}</td><td>{{.Target}}</td><td>{{x .OpsPerSec}}</td><td>{{x .P50}}</td><td>{{x .P99}}</td></tr>{{end}}
</table>{{end}}
<h2>Charts</h2>
{{range .Charts}}{{.}}{{end}}
</body></html>
`))

// writeHTML renders the report page.
func writeHTML(w io.Writer, r *Report) error {
	return pageTmpl.Execute(w, struct {
		R      *Report
		Charts []template.HTML
	}{r, htmlCharts(r)})
}

func writeHTMLFile(path string, r *Report) error {
	var buf bytes.Buffer
	if err := writeHTML(&buf, r); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
