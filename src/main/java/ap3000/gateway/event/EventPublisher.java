package ap3000.gateway.event;

import org.apache.camel.ProducerTemplate;

/** Hands events that arise outside a route (a command that timed out) to the same journal route as all others. */
public class EventPublisher {

    private final ProducerTemplate template;

    public EventPublisher(ProducerTemplate template) {
        this.template = template;
    }

    public void publish(EventBatch batch) {
        template.sendBody("direct:domain-events", batch);
    }
}
