package ap3000.gateway.ops;

import java.io.IOException;
import java.util.Arrays;
import java.util.stream.DoubleStream;

import ap3000.gateway.Http;

/** One scrape of /observe/metrics (Prometheus text), with the value of a series found by name and labels. */
public record Metrics(String text) {

    public static Metrics scrape(int httpPort) throws IOException, InterruptedException {
        return new Metrics(Http.text(httpPort, "/observe/metrics").body());
    }

    /** The value of the first series named {@code name} that has every one of {@code labels} (k="v"); NaN if none. */
    public double value(String name, String... labels) {
        return series(name, labels).findFirst().orElse(Double.NaN);
    }

    /** The sum of every series named {@code name} that has every one of {@code labels}; 0 if none. */
    public double sum(String name, String... labels) {
        return series(name, labels).sum();
    }

    private DoubleStream series(String name, String... labels) {
        return text.lines().filter(line -> !line.startsWith("#")
                        && (line.startsWith(name + "{") || line.startsWith(name + " ")))
                .filter(line -> Arrays.stream(labels).allMatch(line::contains))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
    }
}
