package ap3000.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.notify.WebhookReceiver;

/**
 * The status page at / in a real headless Chromium (Debian's chromium and chromedriver) against the real gateway
 * with a real device and a real webhook receiver: it shows live figures, a dead letter whose Replay button
 * delivers it, the alert that dead letter caused, and a device's ports and audit timeline; one screenshot check.
 */
class StatusPageBrowserEndToEndTest {

    private static final String KEY = "status-page-key";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int DEVICE = 0x04930001;

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
    void should_show_live_data_replay_a_dead_letter_and_search_a_device() throws Exception {
        receiver = new WebhookReceiver().answer(request -> WebhookReceiver.Answer.status(500));
        Map<String, String> properties = new HashMap<>();
        properties.put("gateway.api.keys", KEY);
        properties.put("ops.monitor-interval", "200ms");
        properties.put("notify.endpoints", "sink");
        properties.put("notify.endpoints.sink.url", receiver.url());
        properties.put("notify.endpoints.sink.event-types", "device_register");
        properties.put("notify.retry.redeliveries", "0");
        properties.put("notify.retry.schedule", "100ms");
        properties.put("notify.poll-interval", "20ms");
        properties.put("notify.circuit.minimum-calls", "1000");
        properties.put("alerts.dead-letters.max", "0");
        gateway = RunningGateway.start(properties);

        device = DeviceSocket.online(gateway.tcpPort(), DEVICE);
        device.send(TestFrames.heartbeat(DEVICE, 2, 1, 0)); // port 1 charging, port 2 idle
        device.readFrame();
        await().atMost(WAIT).until(() -> deadLetters() == 1);
        receiver.answer(request -> WebhookReceiver.Answer.status(200));

        browser = HeadlessChromium.start(1280, 1000);
        browser.get("http://127.0.0.1:" + gateway.httpPort() + "/");
        // without the key the page says what it needs
        waitFor(() -> browser.findElement(By.id("error")).getText().contains("API key"));
        browser.findElement(By.id("api-key")).sendKeys(KEY, Keys.TAB);

        waitFor(() -> text("devices-online").equals("1") && text("charging-ports").equals("1"));
        waitFor(() -> text("endpoints").contains("sink") && text("dead-letter-count").equals("1"));
        assertThat(text("endpoints")).contains("CLOSED");
        waitFor(() -> text("alerts").contains("dead_letters") && text("alerts").contains("firing"));
        assertThat(text("dead-letters")).contains("sink").contains("device_register").contains("04930001")
                .contains("500");
        assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();

        checkScreenshot();

        browser.findElement(By.cssSelector("#dead-letters button.replay")).click();
        await().atMost(WAIT).until(() -> !receiver.accepted().isEmpty());
        assertThat(receiver.accepted().get(0).eventType()).isEqualTo("device_register");
        waitFor(() -> text("dead-letter-count").equals("0") && text("dead-letters").contains("no dead letters"));
        waitFor(() -> text("alerts").contains("resolved"));

        browser.findElement(By.id("device-id")).sendKeys("04930001");
        browser.findElement(By.id("device-search")).click();
        waitFor(() -> text("device-ports").contains("充电中") && text("device-timeline").contains("device_online"));
        assertThat(text("device-timeline")).contains("device_register").contains("port_heartbeat");
        assertThat(text("device-summary")).contains("Online since");
    }

    /**
     * The main view as a person sees it: the screenshot is the window's size, the header is drawn in its dark
     * colour, and the endpoint's CLOSED badge is green where the page placed it. Kept in target/ to look at.
     */
    private void checkScreenshot() throws Exception {
        byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "status-page.png"), png);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        ChromeDriver chrome = (ChromeDriver) browser;
        assertThat(image.getWidth()).isEqualTo(((Number) chrome.executeScript("return window.innerWidth")).intValue());
        assertThat(image.getHeight()).isEqualTo(((Number) chrome.executeScript("return window.innerHeight")).intValue());
        assertThat(rgb(image, 5, 5)).isEqualTo(0x24292f);
        WebElement badge = browser.findElement(By.cssSelector("#endpoints .state"));
        Rectangle r = badge.getRect();
        int badgeColour = rgb(image, r.getX() + 2, r.getY() + r.getHeight() / 2);
        assertThat(badgeColour).isEqualTo(0x1a7f37);
    }

    private static int rgb(BufferedImage image, int x, int y) {
        return image.getRGB(x, y) & 0xFFFFFF;
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private void waitFor(java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, WAIT).until(driver -> condition.getAsBoolean());
    }

    private long deadLetters() throws Exception {
        return ((Number) Http.get(gateway.httpPort(), "/api/v1/notifications/dead-letters", KEY).data().get("total"))
                .longValue();
    }
}
