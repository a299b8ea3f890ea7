package ap3000.gateway;

import org.apache.camel.main.Main;

/** Starts the gateway: {@code java -jar target/ap3000-gateway.jar} in the directory holding application.properties. */
public final class GatewayApplication {

    /** Configuration and routes come from the working directory, so operators edit them without a rebuild. */
    public static final String PROPERTIES_LOCATION = "file:application.properties";

    private GatewayApplication() {
    }

    public static void main(String[] args) throws Exception {
        newMain().run(args);
    }

    public static Main newMain() {
        // the one configuration, named: no class path scanning, which would also pick up whatever else is on the
        // class path (the route tests' builders, when tests or benchmarks start a gateway)
        Main main = new Main();
        main.configure().withBasePackageScanEnabled(false);
        main.configure().addConfiguration(GatewayConfiguration.class);
        main.setDefaultPropertyPlaceholderLocation(PROPERTIES_LOCATION);
        return main;
    }
}
