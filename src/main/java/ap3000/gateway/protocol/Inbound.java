package ap3000.gateway.protocol;

/** What the frame decoder hands on: the connection's ICCID preamble, a {@code link} keep-alive, or a DNY frame. */
public sealed interface Inbound {

    /** The SIM's ICCID, sent once as bare ASCII when the module connects (reference 1.2). */
    record Iccid(String iccid) implements Inbound {
    }

    /** The 4 ASCII bytes {@code link} sent when the connection is idle (reference 1.3). */
    record Link() implements Inbound {
    }

    /** A checksum-verified DNY frame and its typed payload. */
    record Frame(DnyFrame frame, Payload payload) implements Inbound {
    }
}
