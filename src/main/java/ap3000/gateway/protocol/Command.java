package ap3000.gateway.protocol;

import java.util.HashMap;
import java.util.Map;

/** Command codes of the reference's catalogue (2.1), with the short name used in routes, logs and metrics. */
public enum Command {
    HEARTBEAT_OLD(0x01, "heartbeat"),
    CARD_SWIPE(0x02, "card_swipe"),
    SETTLEMENT(0x03, "settlement"),
    ORDER_CONFIRM(0x04, "order_confirm"),
    UPGRADE_REQUEST(0x05, "upgrade_request"),
    POWER_HEARTBEAT(0x06, "power_heartbeat"),
    HOST_HEARTBEAT(0x11, "host_heartbeat"),
    HOST_TIME_REQUEST(0x12, "time_request"),
    HOST_UPGRADE_REQUEST(0x15, "host_upgrade_request"),
    HOST_STATUS(0x17, "host_status"),
    REGISTER(0x20, "register"),
    HEARTBEAT(0x21, "heartbeat"),
    TIME_REQUEST(0x22, "time_request"),
    REBOOT_HOST(0x31, "reboot_host"),
    REBOOT_MODULE(0x32, "reboot_module"),
    CLEAR_SLAVE_UPGRADE(0x33, "clear_slave_upgrade"),
    CHANGE_SERVER(0x34, "change_server"),
    SLAVE_VERSIONS(0x35, "slave_versions"),
    SET_FSK(0x3A, "set_fsk"),
    FSK_PARAMS_REQUEST(0x3B, "fsk_params_request"),
    CABINET_HEARTBEAT(0x41, "cabinet_heartbeat"),
    ALARM(0x42, "alarm"),
    CABINET_CHARGE_FINISHED(0x43, "cabinet_charge_finished"),
    PORT_PUSH(0x44, "port_push"),
    CABINET_STOP(0x72, "cabinet_stop"),
    QUERY_NETWORK(0x81, "query_network"),
    CHARGE_CONTROL(0x82, "charge_control"),
    SET_RUN_PARAMS_1(0x83, "set_run_params_1"),
    SET_RUN_PARAMS_2(0x84, "set_run_params_2"),
    SET_LIMITS(0x85, "set_limits"),
    SET_CARD_PARAMS(0x86, "set_card_params"),
    REBOOT(0x87, "reboot"),
    CLEAR_MEMORY(0x88, "clear_memory"),
    PLAY_VOICE(0x89, "play_voice"),
    MODIFY_CHARGE(0x8A, "modify_charge"),
    READ_EEPROM(0x8B, "read_eeprom"),
    WRITE_EEPROM(0x8C, "write_eeprom"),
    SET_WORK_MODE(0x8D, "set_work_mode"),
    SET_QR_URL(0x8E, "set_qr_url"),
    SET_TC_CARD_MODE(0x8F, "set_tc_card_mode"),
    QUERY_RUN_PARAMS_1(0x90, "query_run_params_1"),
    QUERY_RUN_PARAMS_2(0x91, "query_run_params_2"),
    QUERY_LIMITS(0x92, "query_limits"),
    QUERY_CARD_PARAMS(0x93, "query_card_params"),
    TEMPORARY_QR(0x95, "temporary_qr"),
    LOCATE(0x96, "locate"),
    SET_MUTE(0x97, "set_mute"),
    MULTI_FUNCTION(0x98, "multi_function"),
    UPGRADE_SLAVE(0xE0, "upgrade_slave"),
    UPGRADE_POWER_BOARD(0xE1, "upgrade_power_board"),
    UPGRADE_HOST_UNIFIED(0xE2, "upgrade_host_unified"),
    SELF_DOWNLOAD_UPGRADE(0xE4, "self_download_upgrade"),
    UPGRADE_OLD(0xF8, "upgrade_old"),
    UPGRADE_HOST_OLD(0xF9, "upgrade_host_old"),
    UPGRADE_HOST(0xFA, "upgrade_host");

    private static final Map<Integer, Command> BY_CODE = new HashMap<>();

    static {
        for (Command c : values()) {
            BY_CODE.put(c.code, c);
        }
    }

    private final int code;
    private final String shortName;

    Command(int code, String shortName) {
        this.code = code;
        this.shortName = shortName;
    }

    public int code() {
        return code;
    }

    public String shortName() {
        return shortName;
    }

    /** Server-to-device commands: what the device sends under these codes is its ack. */
    public boolean isServerCommand() {
        return code == 0x31 || code == 0x32 || code == 0x33 || code == 0x34 || code == 0x3A || code == 0x72
                || code >= 0x81;
    }

    public static Command of(int code) {
        return BY_CODE.get(code);
    }

    public static String hex(int code) {
        return String.format("0x%02X", code);
    }
}
