package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is a finished run, as --json prints it and the text and HTML
// renderings show it. Latencies are in microseconds.
type Report struct {
	Started      time.Time      `json:"started"`
	Workload     string         `json:"workload"`
	Distribution string         `json:"distribution"`
	Records      int64          `json:"records"`
	ValueSize    int            `json:"value_size"`
	Fields       int            `json:"fields"`
	Connections  int            `json:"connections"`
	Pipeline     int            `json:"pipeline"`
	Duration     string         `json:"duration"`
	Ops          int64          `json:"ops,omitempty"`
	Warmup       string         `json:"warmup"`
	Rounds       int            `json:"rounds"`
	Rate         float64        `json:"rate,omitempty"`
	Targets      []TargetReport `json:"targets"`
	Ratios       []RatioReport  `json:"ratios,omitempty"`
}

// TargetReport is one target's figures, all rounds merged.
type TargetReport struct {
	Target         string          `json:"target"`
	Protocol       string          `json:"protocol"`
	Load           *PhaseReport    `json:"load,omitempty"`
	Ops            []OpReport      `json:"ops"`
	Total          OpReport        `json:"total"`
	Seconds        float64         `json:"seconds"`
	RoundOpsPerSec []float64       `json:"round_ops_per_sec"`
	Timeline       []TimelinePoint `json:"timeline"`
}

// PhaseReport summarises the load phase.
type PhaseReport struct {
	Records       uint64        `json:"records"`
	Requests      uint64        `json:"requests"`
	Seconds       float64       `json:"seconds"`
	RecordsPerSec float64       `json:"records_per_sec"`
	Errors        uint64        `json:"errors"`
	ErrTypes      []ErrorReport `json:"error_types,omitempty"`
}

// OpReport is one operation's figures.
type OpReport struct {
	Op        string        `json:"op"`
	Count     uint64        `json:"count"`
	OpsPerSec float64       `json:"ops_per_sec"`
	Errors    uint64        `json:"errors"`
	Misses    uint64        `json:"misses"`
	Latency   Latency       `json:"latency_us"`
	ErrTypes  []ErrorReport `json:"error_types,omitempty"`
	Spectrum  []Point       `json:"spectrum,omitempty"` // percentile -> latency (µs)
	kind      opKind
}

// Latency holds quantiles in microseconds.
type Latency struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
}

// ErrorReport is one kind of failure.
type ErrorReport struct {
	Type   string `json:"type"`
	Count  uint64 `json:"count"`
	Sample string `json:"sample"`
}

// Point is a point of a chart.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// TimelinePoint is one second of the measured rounds (warm-ups included,
// marked), ops/s per operation.
type TimelinePoint struct {
	T      float64            `json:"t"`
	Round  int                `json:"round"`
	Warmup bool               `json:"warmup,omitempty"`
	Ops    map[string]float64 `json:"ops_per_sec"`
	P99us  map[string]float64 `json:"p99_us"`
	Errors uint64             `json:"errors"`
}

// RatioReport compares a target with the first one for one operation.
type RatioReport struct {
	Op        string  `json:"op"`
	Target    string  `json:"target"`
	Baseline  string  `json:"baseline"`
	OpsPerSec float64 `json:"ops_per_sec"` // target / baseline
	P50       float64 `json:"p50"`
	P99       float64 `json:"p99"`
}

// spectrumPercentiles are the points of the latency-percentile chart.
var spectrumPercentiles = []float64{0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100}

func buildReport(cfg *Config, runs []*targetRun, started time.Time) *Report {
	rep := &Report{
		Started: started, Workload: cfg.Workload.Name, Distribution: cfg.Dist, Records: cfg.Records,
		ValueSize: cfg.ValueSize, Fields: cfg.Fields, Connections: cfg.Conns, Pipeline: cfg.Pipeline, Duration: cfg.Duration.String(),
		Ops: cfg.Ops, Warmup: cfg.Warmup.String(), Rounds: cfg.Rounds, Rate: cfg.Rate,
	}
	for _, tr := range runs {
		trp := TargetReport{Target: tr.t.String(), Protocol: protoName(tr.t.proto())}
		if l := tr.load; l != nil {
			trp.Load = &PhaseReport{Records: l.Records, Requests: l.successes(), Seconds: l.Elapsed.Seconds(), Errors: l.errors(),
				ErrTypes: errReports(l, 0, true, tr.t.proto())}
			if s := l.Elapsed.Seconds(); s > 0 {
				trp.Load.RecordsPerSec = float64(l.Records) / s
			}
		}
		merged := &phaseResult{proto: tr.t.proto()}
		var secs, offset float64
		for _, r := range tr.rounds {
			merged.merge(&workerResult{ops: r.Ops, errs: r.Errs, samples: r.Samples})
			s := r.Elapsed.Seconds()
			secs += s
			rate := 0.0
			if s > 0 {
				rate = float64(r.successes()) / s
			}
			trp.RoundOpsPerSec = append(trp.RoundOpsPerSec, rate)
			warm := cfg.Warmup.Seconds()
			for _, tk := range r.Timeline {
				p := TimelinePoint{T: offset + tk.At, Round: r.Round, Warmup: tk.At <= warm+0.01 && warm > 0,
					Ops: map[string]float64{}, P99us: map[string]float64{}}
				for name, o := range tk.Ops {
					if tk.Secs > 0 {
						p.Ops[name] = float64(o.Ops) / tk.Secs
					}
					p.P99us[name] = o.P99us
					p.Errors += o.Errors
				}
				trp.Timeline = append(trp.Timeline, p)
			}
			if n := len(r.Timeline); n > 0 {
				offset += r.Timeline[n-1].At
			}
		}
		trp.Seconds = secs
		total := NewHistogram()
		var totalErr, totalMiss uint64
		for _, op := range cfg.Workload.ops() {
			st := merged.Ops[op]
			o := opReport(opNames[op][tr.t.proto()], st.hist, secs)
			o.kind = op
			o.Errors, o.Misses = st.errors, st.misses
			o.ErrTypes = errReports(merged, op, false, tr.t.proto())
			trp.Ops = append(trp.Ops, o)
			total.Merge(st.hist)
			totalErr += st.errors
			totalMiss += st.misses
		}
		trp.Total = opReport("total", total, secs)
		trp.Total.Errors, trp.Total.Misses = totalErr, totalMiss
		rep.Targets = append(rep.Targets, trp)
	}
	if len(rep.Targets) > 1 {
		base := rep.Targets[0]
		for _, t := range rep.Targets[1:] {
			for i, o := range t.Ops {
				if i >= len(base.Ops) {
					break
				}
				rep.Ratios = append(rep.Ratios, ratio(base.Ops[i], o, base.Target, t.Target))
			}
			rep.Ratios = append(rep.Ratios, ratio(base.Total, t.Total, base.Target, t.Target))
		}
	}
	return rep
}

func ratio(base, o OpReport, baseName, name string) RatioReport {
	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	op := o.Op
	if base.Op != o.Op {
		op = base.Op + "/" + o.Op
	}
	return RatioReport{Op: op, Target: name, Baseline: baseName,
		OpsPerSec: div(o.OpsPerSec, base.OpsPerSec), P50: div(o.Latency.P50, base.Latency.P50), P99: div(o.Latency.P99, base.Latency.P99)}
}

func opReport(name string, h *Histogram, secs float64) OpReport {
	o := OpReport{Op: name}
	if h == nil || h.Count() == 0 {
		return o
	}
	o.Count = h.Count()
	if secs > 0 {
		o.OpsPerSec = float64(o.Count) / secs
	}
	o.Latency = Latency{Min: us(h.Min()), Mean: h.Mean() / 1e3, P50: us(h.Quantile(0.5)), P90: us(h.Quantile(0.9)),
		P99: us(h.Quantile(0.99)), P999: us(h.Quantile(0.999)), Max: us(h.Max())}
	for _, p := range spectrumPercentiles {
		o.Spectrum = append(o.Spectrum, Point{X: p, Y: us(h.Quantile(p / 100))})
	}
	return o
}

// errReports lists the failures of op, or of every operation when all.
func errReports(p *phaseResult, op opKind, all bool, proto int) []ErrorReport {
	var out []ErrorReport
	for k, n := range p.Errs {
		if !all && k.op != op {
			continue
		}
		typ := k.class
		if all {
			typ = opNames[k.op][proto] + ": " + typ
		}
		out = append(out, ErrorReport{Type: typ, Count: n, Sample: p.Samples[k]})
	}
	slices.SortFunc(out, func(a, b ErrorReport) int {
		if a.Count != b.Count {
			if a.Count > b.Count {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Type, b.Type)
	})
	return out
}

func (r *Report) errors() uint64 {
	var n uint64
	for _, t := range r.Targets {
		n += t.Total.Errors
		if t.Load != nil {
			n += t.Load.Errors
		}
	}
	return n
}

func writeJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func fmtUS(v float64) string { return fmtDur(uint64(v * 1e3)) }

// writeText prints the human report: per target a table of operations,
// then the ratios when there are several targets.
func writeText(w io.Writer, r *Report) {
	fmt.Fprintf(w, "\nworkload %s, %s keys, %d records x %d B", r.Workload, r.Distribution, r.Records, r.ValueSize)
	if r.Fields > 1 {
		fmt.Fprintf(w, " x %d fields", r.Fields)
	}
	fmt.Fprintf(w, ", %d connections", r.Connections)
	if r.Pipeline > 1 {
		fmt.Fprintf(w, ", pipeline %d", r.Pipeline)
	}
	if r.Ops > 0 {
		fmt.Fprintf(w, ", %d ops", r.Ops)
	} else {
		fmt.Fprintf(w, ", %s", r.Duration)
	}
	fmt.Fprintf(w, " x %d round(s), warm-up %s", r.Rounds, r.Warmup)
	if r.Rate > 0 {
		fmt.Fprintf(w, ", rate %.0f ops/s (latency from when each request was due)", r.Rate)
	} else {
		fmt.Fprint(w, ", closed loop")
	}
	fmt.Fprintln(w)
	for _, t := range r.Targets {
		fmt.Fprintf(w, "\n== %s (%s)\n", t.Target, t.Protocol)
		if l := t.Load; l != nil {
			fmt.Fprintf(w, "load: %d records in %.1fs (%.0f records/s, %d requests), %d errors\n", l.Records, l.Seconds, l.RecordsPerSec, l.Requests, l.Errors)
			for _, e := range l.ErrTypes {
				fmt.Fprintf(w, "  %d x %s: %s\n", e.Count, e.Type, e.Sample)
			}
		}
		if len(t.RoundOpsPerSec) == 0 {
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "op\tops\tops/s\terrors\tmisses\tp50\tp90\tp99\tp99.9\tmax\t")
		row := func(o OpReport) {
			l := o.Latency
			fmt.Fprintf(tw, "%s\t%d\t%.0f\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", o.Op, o.Count, o.OpsPerSec, o.Errors, o.Misses,
				fmtUS(l.P50), fmtUS(l.P90), fmtUS(l.P99), fmtUS(l.P999), fmtUS(l.Max))
		}
		for _, o := range t.Ops {
			row(o)
		}
		if len(t.Ops) > 1 {
			row(t.Total)
		}
		tw.Flush()
		if len(t.RoundOpsPerSec) > 1 {
			fmt.Fprint(w, "rounds (ops/s):")
			for _, v := range t.RoundOpsPerSec {
				fmt.Fprintf(w, " %.0f", v)
			}
			fmt.Fprintln(w)
		}
		for _, o := range t.Ops {
			for _, e := range o.ErrTypes {
				sample := e.Sample
				if sample == "" {
					sample = "(no message)"
				}
				fmt.Fprintf(w, "errors: %s: %d x %s: %s\n", o.Op, e.Count, e.Type, sample)
			}
		}
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintf(w, "\n== ratios to %s (same run; >1 ops/s and <1 latency favour the target)\n", r.Ratios[0].Baseline)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "op\ttarget\tops/s\tp50\tp99")
		for _, x := range r.Ratios {
			fmt.Fprintf(tw, "%s\t%s\t%.2fx\t%.2fx\t%.2fx\n", x.Op, x.Target, x.OpsPerSec, x.P50, x.P99)
		}
		tw.Flush()
	}
}
