package promotest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr"`
	Line      int           `xml:"line,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// WriteJUnit writes the report as JUnit XML, which CI systems display: one
// testsuite per rule set, one testcase per test (its classname the test
// file), and for each failure the first failed expect as its message and
// the text report of the test (expects side by side and trace) as its body.
func (r *Report) WriteJUnit(w io.Writer) error {
	doc := junitSuites{Name: "promoc test", Tests: len(r.Results), Failures: r.Failed(), Time: seconds(r.Elapsed)}
	index := map[string]int{}
	var elapsed []time.Duration // per suite
	for _, res := range r.Results {
		i, ok := index[res.Suite]
		if !ok {
			i = len(doc.Suites)
			index[res.Suite] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: res.Suite})
			elapsed = append(elapsed, 0)
		}
		elapsed[i] += res.Elapsed
		s := &doc.Suites[i]
		s.Tests++
		c := junitCase{Name: res.Name, Classname: res.File, File: res.File, Line: res.Pos.Line, Time: seconds(res.Elapsed)}
		if !res.Passed {
			s.Failures++
			var body strings.Builder
			tw := &textWriter{w: &body}
			tw.failure(res)
			c.Failure = &junitFailure{Message: failureMessage(res), Type: "expect", Text: body.String()}
		}
		s.Cases = append(s.Cases, c)
	}
	for i := range doc.Suites {
		doc.Suites[i].Time = seconds(elapsed[i])
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// failureMessage is the first reason a test failed, on one line.
func failureMessage(res *Result) string {
	if res.Problem != "" {
		return res.Problem
	}
	for _, c := range res.Checks {
		if !c.Passed {
			return fmt.Sprintf("line %d: expected %s, got %s", c.Pos.Line, c.Expected, c.Actual)
		}
	}
	return "failed"
}
