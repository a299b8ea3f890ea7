package ap3000.gateway.routes;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.apache.camel.spi.RestApiConsumerFactory;
import org.apache.camel.spi.RestConfiguration;
import org.apache.camel.spi.RestConsumerFactory;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.junit5.TestExecutionConfiguration;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

import ap3000.gateway.GatewayApplication;
import ap3000.gateway.api.ApiSupport;
import ap3000.gateway.event.NonEmptyBatch;

/**
 * A route test: the real route files from routes/ (with error-handling.camel.yaml, whose configurations they name)
 * and the real application.properties, started by Camel Main without the gateway's wiring, HTTP server, JMX or
 * metrics. Each test binds small stand-ins for the beans its routes call, which note every call in {@link #calls};
 * consumers that need the outside world (netty, platform-http, timers) are replaced with direct: endpoints. One
 * context per class keeps the fast tier fast.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RouteTestSupport extends CamelMainTestSupport {

    /** The REST DSL's consumers: each operation listens on {@link #restUri} instead of the HTTP server. */
    static final String REST_COMPONENT = "routeTestRest";

    /** Bean calls in the order they happened, as "bean.method". */
    protected final List<String> calls = new CopyOnWriteArrayList<>();

    /** The route files under test, by name without .camel.yaml ("device-ingress"). */
    protected abstract List<String> routeFiles();

    /** The stand-ins for the beans the routes call. */
    protected abstract void bindStandIns(Registry registry) throws Exception;

    /** Consumers that need the outside world (netty, platform-http, timers), by route id: the direct: URI instead. */
    protected Map<String, String> replacedConsumers() {
        return Map.of();
    }

    /** Producer endpoints to mock and skip (a pattern for mockEndpointsAndSkip); none by default. */
    protected String mockedProducers() {
        return null;
    }

    /** Properties that differ from application.properties for this test (shorter retry delays). */
    protected void override(Properties properties) {
    }

    @Override
    protected String getPropertyPlaceholderLocations() {
        return GatewayApplication.PROPERTIES_LOCATION;
    }

    @Override
    public void configureContext(CamelContextConfiguration configuration) {
        super.configureContext(configuration);
        Properties properties = new Properties();
        properties.setProperty("camel.main.routes-include-pattern",
                Stream.concat(Stream.of("error-handling"), routeFiles().stream())
                        .map(name -> "file:routes/" + name + ".camel.yaml").collect(Collectors.joining(",")));
        // no sockets: no HTTP server, no management port, no JMX; REST operations on direct: endpoints
        properties.setProperty("camel.server.enabled", "false");
        properties.setProperty("camel.management.enabled", "false");
        properties.setProperty("camel.management.jolokia-enabled", "false");
        properties.setProperty("camel.metrics.enabled", "false");
        properties.setProperty("camel.main.jmx-enabled", "false");
        properties.setProperty("camel.rest.component", REST_COMPONENT);
        override(properties);
        configuration.withUseOverridePropertiesWithPropertiesComponent(properties);
        if (mockedProducers() != null) {
            configuration.withMockEndpointsAndSkip(mockedProducers());
        }
    }

    @Override
    public void configureTest(TestExecutionConfiguration configuration) {
        super.configureTest(configuration);
        // started once the consumers are replaced (startOnce)
        configuration.withUseAdviceWith(true);
    }

    @Override
    protected void bindToRegistry(Registry registry) throws Exception {
        // used by the shared route configurations and batch filters: small, and the real ones
        registry.bind("apiSupport", new ApiSupport());
        registry.bind("nonEmptyBatch", new NonEmptyBatch());
        registry.bind(REST_COMPONENT, new DirectRestConsumers());
        bindStandIns(registry);
    }

    @BeforeEach
    void startOnce() throws Exception {
        if (!context.isStarted()) {
            for (Map.Entry<String, String> replaced : replacedConsumers().entrySet()) {
                AdviceWith.adviceWith(context, replaced.getKey(), route -> {
                    // the XML dump of every advised route costs a second or two of the fast tier
                    route.setLogRouteAsXml(false);
                    route.replaceFromWith(replaced.getValue());
                });
            }
            context.start();
        }
        calls.clear();
        MockEndpoint.resetMocks(context);
    }

    /** Notes a bean call; the stand-ins call it first thing. */
    protected void called(String beanAndMethod) {
        calls.add(beanAndMethod);
    }

    /** The direct: endpoint a REST operation listens on in a route test, e.g. restUri("get", "/ops/status"). */
    static String restUri(String verb, String path) {
        return "direct:rest-" + verb + path.replaceAll("[{}]", "").replace('/', '-');
    }

    /** The REST DSL's consumer factory for route tests: every operation (and the OpenAPI document) a direct: consumer. */
    static final class DirectRestConsumers implements RestConsumerFactory, RestApiConsumerFactory {
        @Override
        public Consumer createConsumer(CamelContext context, Processor processor, String verb, String basePath,
                String uriTemplate, String consumes, String produces, RestConfiguration configuration,
                Map<String, Object> parameters) throws Exception {
            String path = basePath + (uriTemplate == null || uriTemplate.isEmpty() ? ""
                    : (uriTemplate.startsWith("/") ? "" : "/") + uriTemplate);
            return context.getEndpoint(restUri(verb, path)).createConsumer(processor);
        }

        @Override
        public Consumer createApiConsumer(CamelContext context, Processor processor, String contextPath,
                RestConfiguration configuration, Map<String, Object> parameters) throws Exception {
            return context.getEndpoint(restUri("get", contextPath)).createConsumer(processor);
        }
    }
}
