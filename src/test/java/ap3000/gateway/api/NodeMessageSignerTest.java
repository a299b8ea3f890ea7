package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NodeMessageSignerTest {

    private static final String OLD = "the-old-cluster-secret-of-32-characters";
    private static final String NEW = "the-new-cluster-secret-of-32-characters";
    private static final String JSON = "{\"op\":\"device-status\"}";

    @Test
    void should_accept_its_own_signature_and_refuse_an_altered_message_or_signature() {
        NodeMessageSigner signer = new NodeMessageSigner(NEW, "");
        String signed = signer.sign(JSON);

        assertThat(signer.verify(signed)).contains(JSON);
        assertThat(signer.verify(signed.replace("status", "reboot"))).isEmpty();
        assertThat(signer.verify("A" + signed.substring(1))).isEmpty();
        assertThat(signer.verify(JSON)).isEmpty();
    }

    @Test
    void should_accept_both_secrets_in_each_phase_of_a_rotation() {
        NodeMessageSigner notRotated = new NodeMessageSigner(OLD, "");
        NodeMessageSigner phaseOne = new NodeMessageSigner(OLD, NEW);
        NodeMessageSigner phaseTwo = new NodeMessageSigner(NEW, OLD);
        NodeMessageSigner done = new NodeMessageSigner(NEW, "");

        assertThat(phaseOne.verify(notRotated.sign(JSON))).contains(JSON);
        assertThat(notRotated.verify(phaseOne.sign(JSON))).contains(JSON);
        assertThat(phaseOne.verify(phaseTwo.sign(JSON))).contains(JSON);
        assertThat(phaseTwo.verify(phaseOne.sign(JSON))).contains(JSON);
        assertThat(done.verify(phaseTwo.sign(JSON))).contains(JSON);
        assertThat(phaseTwo.verify(done.sign(JSON))).contains(JSON);
        assertThat(done.verify(notRotated.sign(JSON))).isEmpty();
    }
}
