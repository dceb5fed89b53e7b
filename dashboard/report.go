package dashboard

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// reportFrames is the most frames a report keeps (see WriteReport).
const reportFrames = 300

// WriteReport writes the dashboard's page as one self-contained HTML file:
// the page, its script and chart library inlined, and the run's history
// (old frames merged so that at most a few hundred are left), shown with
// the time scrubber of a replay. It needs no server and no network.
func (d *Dashboard) WriteReport(w io.Writer) error {
	s := d.Snapshot()
	for len(s.Frames) > reportFrames {
		s.Frames = thin(s.Frames, len(s.Frames)-reportFrames)
	}
	data, err := json.Marshal(s) // escapes <, > and &: safe inside a script element
	if err != nil {
		return err
	}
	read := func(name string) string {
		b, _ := assets.ReadFile(name) // embedded: cannot fail
		return string(b)
	}
	page := strings.NewReplacer(
		`<link rel="stylesheet" href="uPlot.min.css">`, "<style>"+read("assets/uplot/uPlot.min.css")+"</style>",
		`<link rel="stylesheet" href="app.css">`, "<style>"+read("assets/app.css")+"</style>",
		`<script src="uPlot.iife.min.js"></script>`, "<script>"+read("assets/uplot/uPlot.iife.min.js")+"</script>",
		`<script src="app.js"></script>`, `<script id="tg-data" type="application/json">`+string(data)+
			"</script>\n<script>"+read("assets/app.js")+"</script>",
	).Replace(read("assets/index.html"))
	var buf bytes.Buffer
	buf.WriteString(page)
	_, err = buf.WriteTo(w)
	return err
}
