package demo

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"yiwang/internal/geo"
)

var update = flag.Bool("update", false, "rewrite sensors.csv and rules.yaml")

// kinds is what each district gets: id code, kind, unit, owner (a "%s"
// is the district code), count and reporting interval.
var kinds = []struct {
	code, kind, unit, owner string
	n                       int
	interval                string
}{
	{"WL", "water_level", "m", "shuiwu.%s", 4, "60s"},
	{"RF", "rainfall", "mm/h", "shuiwu.%s", 2, "60s"},
	{"PU", "pump_state", "state", "shuiwu.%s", 1, "15s"},
	{"MT", "manhole_tilt", "deg", "chengguan.%s", 2, "300s"},
	{"PM", "pm25", "ug/m3", "shengtai.%s", 1, "300s"},
	{"AQ", "aqi", "aqi", "shengtai.%s", 1, "300s"},
	{"TF", "traffic_flow", "veh/h", "jiaoguan.420100", 2, "60s"},
	{"TS", "traffic_speed", "km/h", "jiaoguan.420100", 1, "60s"},
	{"GS", "gas_concentration", "%LEL", "ranqi.420100", 1, "60s"},
	{"BS", "bridge_strain", "ue", "zhujian.%s", 1, "300s"},
}

// generate writes the sensor CSV and the rules YAML from the geography.
func generate(x *geo.Index) (csv, rules []byte, err error) {
	var c, r bytes.Buffer
	c.WriteString("id,kind,unit,lat,lon,owner,interval,generated\n")
	r.WriteString("# GENERATED demonstration alarm rules for the GENERATED sensors of sensors.csv\n" +
		"# (see NOTICE): thresholds are illustrative, not official warning levels.\n# Written by generate_test.go; do not edit by hand.\nrules:\n")
	grids := x.Areas(geo.LevelGrid)
	for _, d := range x.Areas(geo.LevelDistrict) {
		var mine []geo.Area
		for _, g := range grids {
			if strings.HasPrefix(g.Code, d.Code) {
				mine = append(mine, g)
			}
		}
		total := 0
		for _, k := range kinds {
			total += k.n
		}
		if len(mine) < total {
			return nil, nil, fmt.Errorf("district %s has %d grids, need %d", d.Code, len(mine), total)
		}
		rnd := rand.New(rand.NewPCG(1, uint64(len(d.Code)+int(d.Code[5]))))
		slot := 0
		for _, k := range kinds {
			for i := 1; i <= k.n; i++ {
				g := mine[slot*len(mine)/total]
				slot++
				pt := g.Centroid
				if ch, err := x.Locate(pt.Lat(), pt.Lon()); err != nil || ch.Grid.Code != g.Code {
					pt = x.RandomPointIn(g.Code, rnd)
				}
				owner := k.owner
				if strings.Contains(owner, "%s") {
					owner = fmt.Sprintf(owner, d.Code)
				}
				fmt.Fprintf(&c, "GEN-%s-%s-%02d,%s,%s,%.6f,%.6f,%s,%s,true\n", k.code, d.Code, i, k.kind, k.unit, pt.Lat(), pt.Lon(), owner, k.interval)
			}
		}
		writeRules(&r, d)
	}
	return c.Bytes(), r.Bytes(), nil
}

func writeRules(r *bytes.Buffer, d geo.Area) {
	dc, name := d.Code, d.Name
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(r, "  - {id: wl-%s-%02d, kind: threshold, sensor: GEN-WL-%s-%02d, above: %g, clear: %g, severity: urgent, category: \"1012\", title: \"%s积水监测点%02d水位超警戒（生成数据）\"}\n",
			dc, i, dc, i, WaterWarning, WaterClear, name, i)
	}
	fmt.Fprintf(r, "  - {id: gas-%s, kind: threshold, sensor: GEN-GS-%s-01, above: %g, clear: %g, severity: critical, category: \"010213\", title: \"%s燃气浓度超限（生成数据）\"}\n",
		dc, dc, GasAlarm, GasClear, name)
	fmt.Fprintf(r, "  - {id: pump-stale-%s, kind: stale, sensor: GEN-PU-%s-01, after: 45s, severity: normal, category: \"1012\", title: \"%s泵站监测离线（生成数据）\"}\n",
		dc, dc, name)
	fmt.Fprintf(r, "  - {id: rain-heavy-%s, kind: threshold, sensor: GEN-RF-%s-01, above: %g, clear: %g, silent: true}\n", dc, dc, HeavyRain, HeavyRain*0.8)
	fmt.Fprintf(r, "  - {id: wl-rising-%s, kind: rate, sensor: GEN-WL-%s-01, rise: 0.5, window: 30m, silent: true}\n", dc, dc)
	fmt.Fprintf(r, "  - {id: flood-risk-%s, kind: composite, all: [rain-heavy-%s, wl-rising-%s], severity: critical, category: \"1012\", title: \"%s强降雨且水位快速上涨（生成数据）\"}\n",
		dc, dc, dc, name)
	fmt.Fprintf(r, "  - {id: waterlogging-%s, kind: area, area: \"%s\", sensor_kind: water_level, above: %g, share: 0.5, severity: critical, category: \"1012\", title: \"%s过半积水点超警戒（生成数据）\"}\n",
		dc, dc, WaterWarning, name)
	fmt.Fprintf(r, "  - {id: pm25-%s, kind: threshold, sensor: GEN-PM-%s-01, above: 150, clear: 115, severity: normal, category: \"0402\", title: \"%s PM2.5 重度污染（生成数据）\"}\n",
		dc, dc, name)
}

// TestGenerate checks the embedded files are what the generator writes
// (and rewrites them with -update).
func TestGenerate(t *testing.T) {
	x, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, r, err := generate(x)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("sensors.csv", c, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("rules.yaml", r, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(c, sensorsCSV) || !bytes.Equal(r, rulesYAML) {
		t.Fatal("sensors.csv or rules.yaml differ from the generator's output; run with -update")
	}
}
