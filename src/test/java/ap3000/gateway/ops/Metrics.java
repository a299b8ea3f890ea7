package ap3000.gateway.ops;

import java.io.IOException;

import ap3000.gateway.Http;

/** One scrape of /observe/metrics (Prometheus text), with the value of a series found by name and labels. */
public record Metrics(String text) {

    public static Metrics scrape(int httpPort) throws IOException, InterruptedException {
        return new Metrics(Http.text(httpPort, "/observe/metrics").body());
    }

    /** The value of the first series named {@code name} that has every one of {@code labels} (k="v"); NaN if none. */
    public double value(String name, String... labels) {
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= line.contains(label);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }
}
