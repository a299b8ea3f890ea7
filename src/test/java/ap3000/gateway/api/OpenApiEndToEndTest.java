package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.apache.camel.model.Model;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.event.EventType;

/** /api/v1/openapi.json as a client fetches it, checked by swagger-parser's OpenAPI 3.1 validator. */
class OpenApiEndToEndTest {

    private static RunningGateway gateway;
    private static String json;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start();
        Http.Text answer = Http.text(gateway.httpPort(), "/api/v1/openapi.json");
        assertThat(answer.status()).isEqualTo(200);
        json = answer.body();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void should_serve_a_valid_openapi_3_1_document_without_a_key() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, options);
        assertThat(result.getMessages()).isEmpty();
        OpenAPI api = result.getOpenAPI();
        assertThat(api.getOpenapi()).isEqualTo("3.1.0");
        SecurityScheme key = api.getComponents().getSecuritySchemes().get("ApiKey");
        assertThat(key.getType()).isEqualTo(SecurityScheme.Type.APIKEY);
        assertThat(key.getIn()).isEqualTo(SecurityScheme.In.HEADER);
        assertThat(key.getName()).isEqualTo("X-API-Key");
        assertThat(api.getSecurity()).hasSize(1);
        // the server this request came to, so that a client (Swagger UI included) calls the same gateway
        assertThat(api.getServers().get(0).getUrl()).isEqualTo("http://127.0.0.1:" + gateway.httpPort() + "/api/v1");
    }

    @Test
    void should_give_every_operation_its_schemas_and_status_codes() {
        OpenAPI api = parse();
        api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
            String name = method + " " + path;
            assertThat(operation.getResponses()).as(name).containsKey("200");
            operation.getResponses().forEach((status, response) -> {
                assertThat(response.getDescription()).as(name + " " + status).isNotNull();
                if (!path.equals("/notifications/stream") && !status.equals("410") && response.getContent() != null) {
                    assertThat(response.getContent().get("application/json").getSchema()).as(name + " " + status)
                            .isNotNull();
                }
            });
            if (!path.equals("/openapi.json")) {
                assertThat(operation.getResponses()).as(name).containsKeys("401", "500");
            }
            if (method == PathItem.HttpMethod.POST || method == PathItem.HttpMethod.PUT) {
                boolean takesBody = operation.getRequestBody() != null;
                if (takesBody) {
                    assertThat(operation.getRequestBody().getContent().get("application/json").getSchema())
                            .as(name).isNotNull();
                    assertThat(operation.getResponses()).as(name).containsKeys("400", "413");
                }
            }
        }));
        Operation start = api.getPaths().get("/charging/start").getPost();
        assertThat(start.getResponses()).containsKeys("200", "202", "400", "401", "404", "409", "413", "500", "503",
                "504");
        assertThat(api.getComponents().getSchemas().get("ChargingStartRequest").getRequired())
                .containsExactlyInAnyOrder("deviceId", "port", "value", "orderNo");
    }

    @Test
    void should_list_exactly_the_operations_the_gateway_serves() {
        Set<String> served = new TreeSet<>();
        for (RestDefinition rest : gateway.context().getCamelContextExtension().getContextPlugin(Model.class)
                .getRestDefinitions()) {
            for (VerbDefinition verb : rest.getVerbs()) {
                String path = rest.getPath() + (verb.getPath() == null ? "" : verb.getPath());
                served.add(verb.asVerb().toUpperCase() + " " + path);
            }
        }
        // the SSE stream is a handler on the HTTP server, not a REST route (NotificationStream)
        served.add("GET /notifications/stream");
        Set<String> documented = new TreeSet<>();
        parse().getPaths().forEach((path, item) -> item.readOperationsMap().keySet()
                .forEach(method -> documented.add(method + " " + path)));
        assertThat(documented).isEqualTo(served);
    }

    @Test
    void should_describe_every_webhook_whose_event_schema_ships() {
        Set<String> withSchema = new HashSet<>();
        for (EventType type : EventType.values()) {
            if (OpenApiDocument.class.getResource(OpenApiDocument.schemaResource(type)) != null) {
                withSchema.add(type.wireName());
            }
        }
        OpenAPI api = parse();
        Map<String, PathItem> webhooks = api.getWebhooks() == null ? Map.of() : api.getWebhooks();
        assertThat(webhooks.keySet()).isEqualTo(withSchema);
        webhooks.forEach((name, item) -> assertThat(
                item.getPost().getRequestBody().getContent().get("application/json").getSchema()).as(name).isNotNull());
    }

    private static OpenAPI parse() {
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, new ParseOptions());
        List<String> messages = new ArrayList<>(result.getMessages());
        assertThat(messages).isEmpty();
        return result.getOpenAPI();
    }
}
