package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ap3000.gateway.event.EventType;

/**
 * The webhooks section from event schemas on the class path (in this branch contract/events/ may still be empty,
 * so the schema here is one written the way the event catalogue writes them: JSON Schema 2020-12).
 */
class OpenApiDocumentTest {

    @Test
    void should_add_a_webhook_per_event_schema_and_stay_valid_openapi_3_1(@TempDir Path classes) throws Exception {
        Path events = Files.createDirectories(classes.resolve("contract/events"));
        Files.writeString(events.resolve("device_online.schema.json"), """
                {"$schema": "https://json-schema.org/draft/2020-12/schema",
                 "$id": "https://example.invalid/contract/events/device_online.schema.json",
                 "type": "object", "required": ["event_id", "event_type", "device_id", "timestamp", "data"],
                 "properties": {"event_id": {"type": "string"}, "event_type": {"const": "device_online"},
                   "device_id": {"type": "string", "pattern": "^[0-9A-F]{8}$"}, "timestamp": {"type": "integer"},
                   "data": {"type": "object"}}}
                """);
        try (URLClassLoader loader = new URLClassLoader(new URL[]{classes.toUri().toURL()},
                OpenApiDocumentTest.class.getClassLoader())) {
            OpenApiDocument document = new OpenApiDocument("/api/v1", "https://gw.example.com/api/v1/", loader);
            String json = new ObjectMapper().writeValueAsString(document.document("evil.example/<script>"));
            SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, new ParseOptions());
            assertThat(result.getMessages()).isEmpty();
            assertThat(result.getOpenAPI().getWebhooks()).containsOnlyKeys(EventType.DEVICE_ONLINE.wireName());
            assertThat(result.getOpenAPI().getWebhooks().get("device_online").getPost().getRequestBody().getContent()
                    .get("application/json").getSchema().getRequired()).contains("event_id", "device_id");
            // the configured URL wins; a Host header is never reflected unchecked
            assertThat(result.getOpenAPI().getServers().get(0).getUrl()).isEqualTo("https://gw.example.com/api/v1");
        }
        OpenApiDocument fromHost = new OpenApiDocument("/api/v1", "");
        assertThat(fromHost.document("evil.example/<script>").get("servers").get(0).get("url").asText())
                .isEqualTo("/api/v1");
        assertThat(fromHost.document("gw.local:8080").get("servers").get(0).get("url").asText())
                .isEqualTo("http://gw.local:8080/api/v1");
    }
}
