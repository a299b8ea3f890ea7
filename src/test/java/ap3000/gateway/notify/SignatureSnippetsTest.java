package ap3000.gateway.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signature checks that docs/webhooks.md gives receivers (Python, Node.js, Java), taken from the page as they
 * are printed and run against signatures the gateway's {@link WebhookSigner} made: a good one, one of two during a
 * rotation, a changed body and a timestamp ten minutes old.
 */
class SignatureSnippetsTest {

    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "a receiver's secret of 32 bytes!".getBytes(StandardCharsets.UTF_8));
    private static final String OTHER = "whsec_" + Base64.getEncoder().encodeToString(
            "the secret before the rotation..".getBytes(StandardCharsets.UTF_8));
    private static final String BODY = "{\"event_id\":\"5b1f\",\"event_type\":\"settlement\",\"device_id\":\"04A228CD\","
            + "\"data\":{\"order_id\":\"订单-1\",\"total_fee\":1550}}";

    private static String page;

    @TempDir
    Path dir;

    @BeforeAll
    static void readPage() throws IOException {
        page = Files.readString(Path.of("docs/webhooks.md"));
    }

    /** A request to check, and what the snippet must answer. */
    private record Case(String id, String timestamp, String signature, String body, boolean valid) {
    }

    private static List<Case> cases() {
        long now = Instant.now().getEpochSecond();
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("msg_1", Long.toString(now), sign(List.of(SECRET), "msg_1", now, BODY), BODY, true));
        cases.add(new Case("msg_2", Long.toString(now), sign(List.of(OTHER, SECRET), "msg_2", now, BODY), BODY, true));
        cases.add(new Case("msg_3", Long.toString(now), sign(List.of(SECRET), "msg_3", now, BODY), BODY + " ", false));
        cases.add(new Case("msg_4", Long.toString(now - 600), sign(List.of(SECRET), "msg_4", now - 600, BODY), BODY,
                false));
        cases.add(new Case("msg_5", Long.toString(now), sign(List.of(OTHER), "msg_5", now, BODY), BODY, false));
        return cases;
    }

    private static String sign(List<String> secrets, String id, long timestamp, String body) {
        return WebhookSigner.signature(secrets.stream()
                .map(s -> Base64.getDecoder().decode(s.substring("whsec_".length()))).toList(), id, timestamp, body);
    }

    @Test
    void should_verify_with_the_python_snippet() throws Exception {
        Path script = dir.resolve("verify.py");
        Files.writeString(script, block("python") + """

                import sys
                for line in open(sys.argv[1], encoding="utf-8").read().splitlines():
                    i, ts, sig, body = line.split("\\t")
                    print(verify(sys.argv[2], i, ts, sig, body.encode()))
                """);
        assertThat(run("python3", script)).isEqualTo(expected("True", "False"));
    }

    @Test
    void should_verify_with_the_node_snippet() throws Exception {
        Path script = dir.resolve("verify.js");
        Files.writeString(script, block("javascript") + """

                const [file, secret] = process.argv.slice(2);
                for (const line of require("fs").readFileSync(file, "utf8").split("\\n").filter((l) => l)) {
                  const [id, ts, sig, body] = line.split("\\t");
                  console.log(verify(secret, id, ts, sig, Buffer.from(body, "utf8")));
                }
                """);
        assertThat(run("node", script)).isEqualTo(expected("true", "false"));
    }

    @Test
    void should_verify_with_the_java_snippet() throws Exception {
        String source = """
                import java.nio.charset.StandardCharsets;
                import java.security.GeneralSecurityException;
                import java.security.MessageDigest;
                import java.time.Instant;
                import java.util.Base64;
                import javax.crypto.Mac;
                import javax.crypto.spec.SecretKeySpec;

                public class Receiver {
                """ + block("java") + "\n}\n";
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertThat(compiler).as("a JDK runs the tests").isNotNull();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(null, null, null)) {
            JavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///Receiver.java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            };
            boolean compiled = compiler.getTask(null, files, null, List.of("-d", dir.toString()), null, List.of(unit))
                    .call();
            assertThat(compiled).as("the Java snippet compiles").isTrue();
        }
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {dir.toUri().toURL()})) {
            Method verify = loader.loadClass("Receiver").getDeclaredMethod("verify", String.class, String.class,
                    String.class, String.class, byte[].class);
            verify.setAccessible(true);
            for (Case c : cases()) {
                assertThat(verify.invoke(null, SECRET, c.id(), c.timestamp(), c.signature(),
                        c.body().getBytes(StandardCharsets.UTF_8))).as(c.id()).isEqualTo(c.valid());
            }
        }
    }

    /** The one fenced block of that language on the page. */
    private static String block(String language) {
        Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(page);
        assertThat(m.find()).as("a ```%s block in docs/webhooks.md", language).isTrue();
        String code = m.group(1);
        assertThat(m.find()).as("only one ```%s block", language).isFalse();
        return code;
    }

    /** One line per case, in the language's spelling of true and false. */
    private static List<String> expected(String yes, String no) {
        return cases().stream().map(c -> c.valid() ? yes : no).toList();
    }

    /** Runs the script on every case at once (one line each: id, timestamp, signature, body); its output lines. */
    private List<String> run(String program, Path script) throws Exception {
        requireInterpreter(program);
        Path input = dir.resolve("cases.tsv");
        StringBuilder lines = new StringBuilder();
        for (Case c : cases()) {
            lines.append(String.join("\t", c.id(), c.timestamp(), c.signature(), c.body())).append('\n');
        }
        Files.writeString(input, lines, StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(program, script.toString(), input.toString(), SECRET)
                .redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(program + " finished").isTrue();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.exitValue()).as(program + " said: " + out).isZero();
        return out.lines().toList();
    }

    /** CI installs python3 and node (.ci/run); a developer's machine without one skips that language. */
    private static void requireInterpreter(String program) throws InterruptedException {
        boolean present;
        try {
            present = new ProcessBuilder(program, "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (IOException e) {
            present = false;
        }
        if (System.getenv("CI") != null) {
            assertThat(present).as(program + " is installed on CI").isTrue();
        }
        Assumptions.assumeTrue(present, program + " is not installed here");
    }
}
