package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import ap3000.gateway.RunningGateway;

/** Swagger UI at /docs/, served from the WebJar: over plain HTTP, then in a real headless Chromium (as StatusPageBrowserTest). */
class ApiExplorerEndToEndTest {

    private static final String KEY = "explorer-key";
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(java.util.Map.of("gateway.api.keys", KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void should_serve_the_page_and_swagger_ui_from_the_webjar_without_a_key() throws Exception {
        HttpResponse<String> page = get("/docs/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        assertThat(page.body()).contains("/docs/swagger-ui-bundle.js").doesNotContain("http://", "https://");
        assertThat(get("/docs").body()).isEqualTo(page.body());

        HttpResponse<String> bundle = get("/docs/swagger-ui-bundle.js");
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.headers().firstValue("Content-Type")).contains("text/javascript; charset=utf-8");
        assertThat(bundle.body()).contains("SwaggerUIBundle").hasSizeGreaterThan(500_000);
        assertThat(get("/docs/swagger-ui.css").headers().firstValue("Content-Type")).contains("text/css; charset=utf-8");
        assertThat(get("/docs/gateway-docs.js").body()).contains("'/api/v1/openapi.json'");

        for (String other : List.of("/docs/nope.js", "/docs/../application.properties", "/docs/index.css",
                "/docs/META-INF/MANIFEST.MF")) {
            assertThat(get(other).statusCode()).as(other).isEqualTo(404);
        }
    }

    /** The key goes in through Authorize and travels as the X-API-Key header: "Try it out" on GET /health answers 200. */
    @Test
    void should_call_the_api_from_swagger_ui_with_the_key_entered_in_authorize() {
        WebDriver browser = chromium();
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            browser.get("http://127.0.0.1:" + gateway.httpPort() + "/docs/");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("operations-system-health")));
            browser.findElement(By.cssSelector("button.authorize")).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".auth-container input")))
                    .sendKeys(KEY);
            browser.findElement(By.cssSelector(".auth-container button.authorize")).click();
            browser.findElement(By.cssSelector("button.close-modal")).click();

            browser.findElement(By.cssSelector("#operations-system-health .opblock-summary-control")).click();
            wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#operations-system-health .try-out__btn")))
                    .click();
            browser.findElement(By.cssSelector("#operations-system-health .execute")).click();
            String status = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(
                    "#operations-system-health .live-responses-table tr.response .response-col_status"))).getText();
            assertThat(status).startsWith("200");
            // the key went as a header, not in the URL Swagger UI shows for the request
            assertThat(browser.findElement(By.cssSelector("#operations-system-health .request-url")).getText())
                    .doesNotContain(KEY);
            assertThat(browser.findElement(By.cssSelector("#operations-system-health .curl")).getText())
                    .contains("X-API-Key: " + KEY);
        } finally {
            browser.quit();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(new File("/usr/bin/chromium"));
        options.addArguments(List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,1000"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
