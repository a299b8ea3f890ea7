package ap3000.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.notify.WebhookReceiver;
import ap3000.gateway.protocol.DnyFrame;

/**
 * The support console at /console in a real headless Chromium against the real gateway: a device charges an order
 * over a real socket (start, port change, power samples, stop, settlement) while a webhook receiver refuses the
 * settlement, so it ends as a dead letter. The console finds the order, shows the same timeline and power curve as
 * the API, leads to the device and its raw frames, and replays the dead letter until it is delivered. The
 * screenshots of docs/console.md are taken here (target/console-*.png).
 */
class ConsoleBrowserEndToEndTest {

    private static final String KEY = "console-key";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int DEVICE = 0x04A228CD;
    private static final String ORDER = "CONSOLE_ORDER_01";
    /** Power samples in 0.1 W: a ramp, a plateau and a taper, so the curve has a shape. */
    private static final int[] POWER_DECI_WATTS = {900, 1850, 2300, 2320, 2310, 1700, 1100, 600};

    private RunningGateway gateway;
    private WebhookReceiver receiver;
    private DeviceSocket device;
    private WebDriver browser;

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (device != null) {
            device.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void should_show_an_orders_story_lead_to_its_device_and_frames_and_replay_its_dead_letter() throws Exception {
        receiver = new WebhookReceiver().answer(request -> WebhookReceiver.Answer.status(
                "settlement".equals(request.eventType()) ? 500 : 200));
        Map<String, String> properties = new HashMap<>();
        properties.put("gateway.api.keys", KEY);
        properties.put("gateway.downlink.ack-timeout", "1s");
        properties.put("gateway.downlink.answer-margin", "2s");
        properties.put("audit.flush-interval", "100ms");
        properties.put("notify.endpoints", "billing");
        properties.put("notify.endpoints.billing.url", receiver.url());
        properties.put("notify.endpoints.billing.event-types", "charging_start,settlement");
        properties.put("notify.retry.redeliveries", "0");
        properties.put("notify.retry.schedule", "100ms");
        properties.put("notify.poll-interval", "20ms");
        properties.put("notify.circuit.minimum-calls", "1000");
        gateway = RunningGateway.start(properties);
        DnyFrame startCommand = chargeOneOrder();

        Map<String, Object> session = await().atMost(WAIT).until(() -> Http.get(gateway.httpPort(),
                "/api/v1/audit/sessions/" + ORDER, KEY).data(), s -> s != null && "settled".equals(s.get("state"))
                && list(s, "events").size() == 6 + POWER_DECI_WATTS.length);
        await().atMost(WAIT).until(() -> deadLetters() == 1);
        assertThat(Http.text(gateway.httpPort(), "/console/application.properties").status()).isEqualTo(404);
        assertThat(Http.text(gateway.httpPort(), "/console/").body()).contains("AP3000 support console");

        browser = HeadlessChromium.start(1280, 1100);
        String console = "http://127.0.0.1:" + gateway.httpPort() + "/console";
        browser.get(console);
        // without the key the search says what it needs; with it, an unknown order is named as not found
        browser.findElement(By.id("search-input")).sendKeys(ORDER, Keys.ENTER);
        waitFor(() -> text("search-result").contains("needs a key"));
        browser.findElement(By.id("api-key")).sendKeys(KEY, Keys.ENTER);
        browser.findElement(By.id("search-input")).sendKeys("NO_SUCH_ORDER", Keys.ENTER);
        waitFor(() -> text("search-result").contains("No order and no device 'NO_SUCH_ORDER'"));
        browser.findElement(By.id("search-input")).clear();
        browser.findElement(By.id("search-input")).sendKeys(ORDER, Keys.ENTER);

        // the session: the API's events in the API's order, one curve point per sample, the deliveries per event
        waitFor(() -> browser.getCurrentUrl().endsWith("#/session/" + ORDER));
        List<Map<String, Object>> events = list(session, "events");
        waitFor(() -> rows("#session-timeline tr.event").size() == events.size());
        assertThat(rows("#session-timeline tr.event")).extracting(r -> r.getAttribute("data-event-id"))
                .containsExactlyElementsOf(events.stream().map(e -> (String) e.get("event_id")).toList());
        assertThat(rows("#session-timeline tr.event")).extracting(r -> r.getAttribute("data-event-type"))
                .containsSequence("charging_command", "charging_start", "power_heartbeat")
                .endsWith("charging_command", "charging_stopped", "charging_end", "settlement");
        assertThat(rows("#session-timeline tr.port-change")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.getText()).contains("port 1"));
        assertThat(rows("svg.power-curve circle.curve-point")).hasSize(list(session, "power_series").size())
                .hasSize(POWER_DECI_WATTS.length);
        assertThat(browser.findElement(By.cssSelector("svg.power-curve")).getAttribute("data-points"))
                .isEqualTo(String.valueOf(POWER_DECI_WATTS.length));
        assertThat(text("main")).contains("0.03 kWh").contains("232 W");
        WebElement settlement = browser.findElement(By.cssSelector("#session-timeline tr[data-event-type=settlement]"));
        waitFor(() -> settlement.getText().contains("dead letter"));
        assertThat(settlement.findElement(By.cssSelector(".delivery[data-endpoint=billing]")).getText())
                .contains("500");
        waitFor(() -> browser.findElement(By.cssSelector("#session-timeline tr[data-event-type=charging_start]"))
                .getText().contains("delivered"));
        assertThat(browser.getCurrentUrl()).doesNotContain(KEY);
        screenshot("console-session.png");

        // the receiver is back: Replay delivers the dead letter with its event_id, and the page says so
        receiver.answer(request -> WebhookReceiver.Answer.status(200));
        settlement.findElement(By.cssSelector("button.replay")).sendKeys(Keys.ENTER); // a real button: the keyboard works
        await().atMost(WAIT).until(() -> receiver.accepted().stream().anyMatch(r -> "settlement".equals(r.eventType())));
        String settlementId = (String) events.get(events.size() - 1).get("event_id");
        assertThat(receiver.accepted()).filteredOn(r -> "settlement".equals(r.eventType()))
                .extracting(WebhookReceiver.Request::eventId).containsExactly(settlementId);
        waitFor(() -> browser.findElement(By.cssSelector("#session-timeline tr[data-event-type=settlement]"))
                .getText().contains("delivered"));
        assertThat(rows("#session-timeline tr[data-event-type=settlement] button.replay")).isEmpty();
        assertThat(deadLetters()).isZero();

        // the device link: online now, its connection, its sessions and heartbeats
        browser.findElement(By.cssSelector("main .device-link")).sendKeys(Keys.ENTER);
        waitFor(() -> browser.getCurrentUrl().endsWith("#/device/04A228CD") && !rows("#device-ports").isEmpty());
        assertThat(text("main")).contains("online").contains(TestFrames.ICCID).contains("127.0.0.1");
        assertThat(text("device-sessions")).contains(ORDER).contains("settled");
        assertThat(text("device-history")).contains("online");
        assertThat(rows("svg.heartbeat-chart rect.bar.count")).isNotEmpty();
        waitFor(() -> !rows("#device-events tr.event").isEmpty());
        screenshot("console-device.png");
        // the key events filtered by type; the filter goes into the address, so the view can be linked
        new Select(browser.findElement(By.id("event-type"))).selectByValue("settlement");
        browser.findElement(By.id("event-filter")).click();
        waitFor(() -> browser.getCurrentUrl().contains("type=settlement") && rows("#device-events tr.event").size() == 1);
        assertThat(rows("#device-events tr.event").get(0).getAttribute("data-event-type")).isEqualTo("settlement");
        assertThat(text("device-events")).contains(ORDER);

        // the frames of the last hour: both directions, hex beside the decoded fields
        browser.findElement(By.id("device-frames-link")).click();
        waitFor(() -> browser.getCurrentUrl().contains("#/frames/04A228CD?from=") && !rows("#frames-table tr.frame").isEmpty());
        assertThat(rows("#frames-table tr.frame.in")).isNotEmpty();
        assertThat(rows("#frames-table tr.frame.out")).isNotEmpty();
        WebElement start = rows("#frames-table tr.frame").stream()
                .filter(r -> r.findElement(By.cssSelector("td.hex")).getText().equals(startCommand.toHex()))
                .findFirst().orElseThrow();
        assertThat(start.findElement(By.cssSelector("td.command")).getText()).contains("0x82").contains("charge_control");
        assertThat(start.findElement(By.cssSelector("td.decoded")).getText()).contains(ORDER);
        screenshot("console-frames.png");

        // a deep link pasted into a ticket opens the same session (the key stays in the tab, never in the URL)
        browser.get(console + "#/session/" + ORDER);
        waitFor(() -> rows("#session-timeline tr.event").size() == events.size());
        assertThat(browser.getCurrentUrl()).doesNotContain(KEY);

        // on a phone the page fits the screen's width (wide tables scroll inside their own box)
        browser.manage().window().setSize(new Dimension(390, 844));
        waitFor(() -> ((Number) script("return window.innerWidth")).intValue() <= 400);
        assertThat(((Number) script("return document.documentElement.scrollWidth")).intValue())
                .isLessThanOrEqualTo(((Number) script("return window.innerWidth")).intValue());
        screenshot("console-session-phone.png");
    }

    /** Start over the API, the ack, a port change, power samples, a stop, its ack, the settlement, the port idle. */
    private DnyFrame chargeOneOrder() throws Exception {
        device = new DeviceSocket(gateway.tcpPort());
        device.send(TestFrames.iccid());
        device.send(TestFrames.register(DEVICE, 1));
        device.readFrame();
        device.send(TestFrames.heartbeat(DEVICE, 2, 0, 0));
        device.readFrame();

        CompletableFuture<Http.Answer> started = post("/api/v1/charging/start?view=gateway", """
                {"deviceId": "04A228CD", "port": 1, "mode": 0, "value": 3600, "orderNo": "%s", "balance": 1000}
                """.formatted(ORDER));
        DnyFrame startCommand = device.readFrame();
        device.send(TestFrames.chargeAck(DEVICE, startCommand.messageId(), 0, ORDER, 1));
        assertThat(started.get().data()).containsEntry("started", true);
        device.send(TestFrames.heartbeat(DEVICE, 3, 1, 0));
        device.readFrame();
        for (int i = 0; i < POWER_DECI_WATTS.length; i++) {
            if (i > 0) {
                Thread.sleep(1000); // the device's pacing: samples are filed by the second, the curve needs them apart
            }
            device.send(TestFrames.powerHeartbeat(DEVICE, 0x10 + i, 1, ORDER, 60 * (i + 1), (i + 1) / 3,
                    POWER_DECI_WATTS[i]));
        }
        CompletableFuture<Http.Answer> stopped = post("/api/v1/charging/stop?view=gateway", """
                {"deviceId": "04A228CD", "port": 1, "orderNo": "%s"}""".formatted(ORDER));
        DnyFrame stopCommand = device.readFrame();
        device.send(TestFrames.chargeAck(DEVICE, stopCommand.messageId(), 0, ORDER, 1));
        assertThat(stopped.get().data()).containsEntry("stopped", true);
        device.send(TestFrames.settlement(DEVICE, 0x20, 1, ORDER, 500, 3, 2320, 7));
        device.readFrame();
        device.send(TestFrames.heartbeat(DEVICE, 0x21, 0, 0));
        device.readFrame();
        return startCommand;
    }

    /** The page as a person sees it, kept in target/; the header drawn in its colour proves the CSS was served. */
    private void screenshot(String name) throws Exception {
        script("window.scrollTo(0, 0)");
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", name), png);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getRGB(5, 5) & 0xFFFFFF).isEqualTo(0x24292f);
    }

    private Object script(String javascript) {
        return ((JavascriptExecutor) browser).executeScript(javascript);
    }

    private List<WebElement> rows(String css) {
        return browser.findElements(By.cssSelector(css));
    }

    private String text(String id) {
        return id.equals("main") ? browser.findElement(By.tagName("main")).getText()
                : browser.findElement(By.id(id)).getText();
    }

    private void waitFor(BooleanSupplier condition) {
        new WebDriverWait(browser, WAIT).until(driver -> condition.getAsBoolean());
    }

    private long deadLetters() throws Exception {
        return ((Number) Http.get(gateway.httpPort(), "/api/v1/notifications/dead-letters", KEY).data().get("total"))
                .longValue();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> session, String name) {
        return (List<Map<String, Object>>) session.get(name);
    }

    private CompletableFuture<Http.Answer> post(String path, String json) {
        return CompletableFuture.supplyAsync(() -> Http.unchecked(() -> Http.post(gateway.httpPort(), path, KEY, json)));
    }
}
