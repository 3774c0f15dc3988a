package dev.pastiche.bench;

import java.util.List;
import java.util.Locale;

/**
 * The benchmark's chart as a dependency-free SVG: grouped bars (ms per step by size) on the left,
 * loss against seconds on a log scale on the right.
 */
final class SvgChart {

    record Bar(String label, double value) {
    }

    record BarGroup(String label, List<Bar> bars) {
    }

    record Series(String label, List<double[]> points) {
    }

    private static final String[] COLOURS = {"#1b6ca8", "#e07b39", "#3a9a5b", "#8e5ea2", "#c0392b", "#7f7f7f", "#17becf", "#bcbd22"};
    private static final int PANEL = 440;
    private static final int LEFT = 60;
    private static final int TOP = 40;
    private static final int PLOT_W = PANEL - LEFT - 20;
    private static final int PLOT_H = 250;
    /** Rows of the two-column legend below each panel: enough for the step chart's eight bars. */
    private static final int LEGEND_ROWS = 4;
    private static final int HEIGHT = TOP + PLOT_H + 30 + 15 * LEGEND_ROWS + 10;

    private final StringBuilder svg = new StringBuilder();

    static String render(String barTitle, List<BarGroup> groups, String lineTitle, List<Series> series) {
        SvgChart chart = new SvgChart();
        chart.svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", 2 * PANEL, HEIGHT));
        chart.bars(barTitle, groups);
        chart.lines(lineTitle, series);
        return chart.svg.append("</svg>\n").toString();
    }

    private void bars(String title, List<BarGroup> groups) {
        text(LEFT, 20, title, "start", 13);
        double max = groups.stream().flatMap(g -> g.bars().stream()).mapToDouble(Bar::value).max().orElse(1);
        axes(0, max, false);
        int slot = PLOT_W / Math.max(1, groups.size());
        for (int g = 0; g < groups.size(); g++) {
            List<Bar> bars = groups.get(g).bars();
            int width = (slot - 20) / Math.max(1, bars.size());
            for (int b = 0; b < bars.size(); b++) {
                double h = bars.get(b).value() / max * PLOT_H;
                int x = LEFT + g * slot + 10 + b * width;
                svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>\n",
                        x, TOP + PLOT_H - h, width - 2, h, COLOURS[b % COLOURS.length]));
                text(x + width / 2, (int) (TOP + PLOT_H - h - 3), String.format(Locale.ROOT, "%.0f", bars.get(b).value()), "middle", 10);
            }
            text(LEFT + g * slot + slot / 2, TOP + PLOT_H + 15, groups.get(g).label(), "middle", 11);
        }
        if (!groups.isEmpty()) {
            legend(0, groups.get(0).bars().stream().map(Bar::label).toList());
        }
    }

    private void lines(String title, List<Series> series) {
        int x0 = PANEL;
        text(x0 + LEFT, 20, title, "start", 13);
        double maxX = series.stream().flatMap(s -> s.points().stream()).mapToDouble(p -> p[0]).max().orElse(1);
        double minY = series.stream().flatMap(s -> s.points().stream()).mapToDouble(p -> p[1]).filter(v -> v > 0).min().orElse(1);
        double maxY = series.stream().flatMap(s -> s.points().stream()).mapToDouble(p -> p[1]).max().orElse(10);
        double lo = Math.floor(Math.log10(minY));
        double hi = Math.max(lo + 1, Math.ceil(Math.log10(maxY)));
        svg.append(String.format(Locale.ROOT, "<g transform=\"translate(%d,0)\">\n", x0));
        axes(0, maxX, true);
        for (double e = lo; e <= hi; e++) {
            double y = TOP + PLOT_H - (e - lo) / (hi - lo) * PLOT_H;
            text(LEFT - 4, (int) y + 4, String.format(Locale.ROOT, "1e%d", (int) e), "end", 10);
        }
        for (int s = 0; s < series.size(); s++) {
            StringBuilder path = new StringBuilder();
            for (double[] p : series.get(s).points()) {
                if (p[1] <= 0) {
                    continue;
                }
                double x = LEFT + p[0] / maxX * PLOT_W;
                double y = TOP + PLOT_H - (Math.log10(p[1]) - lo) / (hi - lo) * PLOT_H;
                path.append(path.isEmpty() ? "M" : "L").append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            svg.append(String.format("<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>\n", path.toString().trim(),
                    COLOURS[s % COLOURS.length]));
        }
        legend(0, series.stream().map(Series::label).toList());
        svg.append("</g>\n");
    }

    /** Frame, and for the x-seconds axis five ticks; bars get five value ticks on y. */
    private void axes(double min, double max, boolean secondsOnX) {
        svg.append(String.format(Locale.ROOT, "<path d=\"M%d,%d V%d H%d\" fill=\"none\" stroke=\"#444\"/>\n",
                LEFT, TOP, TOP + PLOT_H, LEFT + PLOT_W));
        for (int i = 0; i <= 4; i++) {
            double value = min + (max - min) * i / 4;
            if (secondsOnX) {
                int x = LEFT + PLOT_W * i / 4;
                text(x, TOP + PLOT_H + 15, String.format(Locale.ROOT, "%.0f s", value), "middle", 10);
            } else {
                int y = TOP + PLOT_H - PLOT_H * i / 4;
                text(LEFT - 4, y + 4, String.format(Locale.ROOT, "%.0f", value), "end", 10);
            }
        }
    }

    private void legend(int x0, List<String> labels) {
        for (int i = 0; i < labels.size(); i++) {
            int x = x0 + LEFT + (i % 2) * 190;
            int y = TOP + PLOT_H + 35 + (i / 2) * 15;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", x, y - 9,
                    COLOURS[i % COLOURS.length]));
            text(x + 14, y, labels.get(i), "start", 11);
        }
    }

    private void text(int x, int y, String text, String anchor, int size) {
        String escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" font-size=\"%d\">%s</text>\n",
                x, y, anchor, size, escaped));
    }
}
