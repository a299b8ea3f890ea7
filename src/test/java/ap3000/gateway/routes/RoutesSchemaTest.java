package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * Every file in routes/ against the YAML DSL schema that camel-yaml-dsl ships (the one Kaoto and the IDE plugins
 * use): a misspelt key or a step in the wrong place fails here in a second, not at the start of an end-to-end test.
 * Also holds the project's own rules: every route and template has an id, every route configuration but the one
 * default too, and every one of them a description.
 */
class RoutesSchemaTest {

    private static Schema schema;

    @BeforeAll
    static void loadSchema() throws IOException {
        try (InputStream in = RoutesSchemaTest.class.getResourceAsStream("/schema/camelYamlDsl.json")) {
            assertThat(in).as("camel-yaml-dsl's schema on the class path").isNotNull();
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
                    .getSchema(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), InputFormat.JSON);
        }
    }

    private static List<Path> routeFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            return files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList();
        }
    }

    @Test
    void should_find_every_route_file_valid_against_the_yaml_dsl_schema() throws IOException {
        List<Path> files = routeFiles();
        assertThat(files).hasSizeGreaterThanOrEqualTo(10);
        List<String> problems = new ArrayList<>();
        for (Path file : files) {
            for (Error error : schema.validate(Files.readString(file), InputFormat.YAML)) {
                if (!isPropertyPlaceholder(error)) {
                    problems.add(file.getFileName() + " " + error.getInstanceLocation() + ": " + error.getMessage());
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    /**
     * A property placeholder where the schema wants a boolean or a number ({@code autoStartup: "{{audit.enabled}}"}):
     * the schema does not model placeholders, Camel resolves them before it reads the value.
     */
    private static boolean isPropertyPlaceholder(Error error) {
        JsonNode value = error.getInstanceNode();
        return value != null && value.isTextual() && value.asText().matches("\\{\\{[^}]+}}");
    }

    @Test
    void should_give_every_route_an_id_but_the_default_configuration_and_every_one_a_description() throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        List<String> missing = new ArrayList<>();
        int routes = 0;
        int defaultConfigurations = 0;
        for (Path file : routeFiles()) {
            for (JsonNode element : yaml.readTree(file.toFile())) {
                for (String kind : List.of("route", "routeTemplate", "routeConfiguration")) {
                    if (element.has(kind)) {
                        routes++;
                        // what the route does, where Kaoto shows and keeps it (it drops # comments on save)
                        if (element.get(kind).path("description").asText("").isBlank()) {
                            missing.add(file.getFileName() + ": " + kind + " "
                                    + element.get(kind).path("id").asText("(no id)") + " without a description");
                        }
                        if (!element.get(kind).path("id").asText("").isBlank()) {
                            continue;
                        }
                        // a route configuration without an id is Camel's default for routes that name none
                        if (kind.equals("routeConfiguration") && defaultConfigurations++ == 0) {
                            continue;
                        }
                        missing.add(file.getFileName() + ": a " + kind + " without an id");
                    }
                }
            }
        }
        assertThat(routes).isGreaterThan(30);
        assertThat(missing).isEmpty();
    }

    @Test
    void should_report_a_misspelt_step() {
        String broken = """
                - route:
                    id: broken
                    from:
                      uri: "timer:x"
                      steps:
                        - too: direct:nowhere
                """;
        assertThat(schema.validate(broken, InputFormat.YAML)).isNotEmpty();
    }
}
