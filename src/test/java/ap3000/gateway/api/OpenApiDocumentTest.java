package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.Test;

import ap3000.gateway.event.EventType;

/** The OpenAPI 3.1 document: valid, one webhook per event type from the contract's schemas, a safe server URL. */
class OpenApiDocumentTest {

    @Test
    void should_add_a_webhook_per_event_type_and_stay_valid_openapi_3_1() throws Exception {
        OpenApiDocument document = new OpenApiDocument("/api/v1", "https://gw.example.com/api/v1/");
        String json = new ObjectMapper().writeValueAsString(document.document("evil.example/<script>"));
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, new ParseOptions());
        assertThat(result.getMessages()).isEmpty();
        // every event type the gateway sends has its schema (src/main/resources/contract/events)
        assertThat(result.getOpenAPI().getWebhooks()).containsOnlyKeys(Arrays.stream(EventType.values())
                .map(EventType::wireName).toArray(String[]::new));
        assertThat(result.getOpenAPI().getWebhooks().get("settlement").getPost().getRequestBody().getContent()
                .get("application/json").getSchema().getRequired()).contains("event_id", "device_id");
        // the configured URL wins; a Host header is never reflected unchecked
        assertThat(result.getOpenAPI().getServers().get(0).getUrl()).isEqualTo("https://gw.example.com/api/v1");
        OpenApiDocument fromHost = new OpenApiDocument("/api/v1", "");
        assertThat(fromHost.document("evil.example/<script>").get("servers").get(0).get("url").asText())
                .isEqualTo("/api/v1");
        assertThat(fromHost.document("gw.local:8080").get("servers").get(0).get("url").asText())
                .isEqualTo("http://gw.local:8080/api/v1");
    }
}
