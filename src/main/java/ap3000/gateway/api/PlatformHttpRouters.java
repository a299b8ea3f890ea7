package ap3000.gateway.api;

import java.util.function.Consumer;

import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.SimpleEventNotifierSupport;

/**
 * For the handlers the gateway puts on Camel's HTTP server itself, beside the REST routes (the API key check, the
 * notification stream): when to put them there, and the server's router.
 */
final class PlatformHttpRouters {

    private PlatformHttpRouters() {
    }

    /** Runs {@code install} when the routes are about to start: the HTTP server exists then, and no route answers yet. */
    static void whenRoutesStart(CamelContext context, Consumer<CamelContext> install) {
        context.getManagementStrategy().addEventNotifier(new SimpleEventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextRoutesStartingEvent) {
                    install.accept(context);
                }
            }
        });
    }

    /** The router of the HTTP server on {@code port}; {@code purpose} ends the error when there is none. */
    static VertxPlatformHttpRouter of(CamelContext context, int port, String purpose) {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            throw new IllegalStateException("No HTTP server on port " + port + " " + purpose);
        }
        return router;
    }
}
