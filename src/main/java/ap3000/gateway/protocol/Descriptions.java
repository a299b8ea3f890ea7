package ap3000.gateway.protocol;

import java.util.Map;

/**
 * Meanings of the protocol's enumerations (reference section 3), in Chinese as the webhook contract shows
 * them to third parties ("空闲", "充电中"). An unknown code is described as such, never guessed.
 */
public final class Descriptions {

    private static final Map<Integer, String> PORT_STATUS = Map.ofEntries(
            Map.entry(0x00, "空闲"), Map.entry(0x01, "充电中"), Map.entry(0x02, "已插充电器未充电(未启动)"),
            Map.entry(0x03, "已插充电器未充电(已充满)"), Map.entry(0x04, "无法计量"), Map.entry(0x05, "浮充"),
            Map.entry(0x06, "存储器损坏"), Map.entry(0x07, "插座弹片卡住故障"), Map.entry(0x08, "接触不良或保险丝烧断"),
            Map.entry(0x09, "继电器粘连"), Map.entry(0x0A, "霍尔开关损坏"), Map.entry(0x0B, "预检继电器坏或保险丝断"),
            Map.entry(0x0D, "负载短路"), Map.entry(0x0E, "滤波预检继电器粘连"), Map.entry(0x0F, "刷卡芯片损坏"),
            Map.entry(0x10, "检测电路故障"));

    /** 0x06 uses its own status subset (reference 2.3). */
    private static final Map<Integer, String> CHARGING_STATUS = Map.of(
            0x01, "正常充电", 0x02, "已扫码等待插头", 0x03, "插着充满", 0x05, "浮充");

    private static final Map<Integer, String> STOP_REASON = Map.ofEntries(
            Map.entry(0x01, "充满自停"), Map.entry(0x02, "达到最大充电时间"), Map.entry(0x03, "达到预设时间"),
            Map.entry(0x04, "达到预设电量"), Map.entry(0x05, "用户拔出"), Map.entry(0x06, "负载过大"),
            Map.entry(0x07, "服务器控制停止"), Map.entry(0x08, "动态过载"), Map.entry(0x09, "功率过小"),
            Map.entry(0x0A, "环境温度过高"), Map.entry(0x0B, "端口温度过高"), Map.entry(0x0C, "过流"),
            Map.entry(0x0D, "用户拔出(可能弹片卡住)"), Map.entry(0x0E, "无功率(接触不良或保险丝烧断)"),
            Map.entry(0x0F, "预检继电器或保险丝故障"), Map.entry(0x10, "水浸"), Map.entry(0x11, "灭火结算(本端口)"),
            Map.entry(0x12, "灭火结算(非本端口)"), Map.entry(0x13, "用户密码开柜"), Map.entry(0x14, "柜门未关"),
            Map.entry(0x15, "外部操作停止"), Map.entry(0x16, "刷卡停止"), Map.entry(0x17, "服务器强制停止(柜门)"),
            Map.entry(0x18, "消防触发"), Map.entry(0x19, "存储器错误"), Map.entry(0x1A, "过压"),
            Map.entry(0x1B, "欠压"), Map.entry(0x1C, "低功率断电"));

    private static final Map<Integer, String> CHARGE_RESULT = Map.ofEntries(
            Map.entry(0x00, "执行成功"), Map.entry(0x01, "端口未插充电器"), Map.entry(0x02, "端口状态和充电命令相同"),
            Map.entry(0x03, "端口故障(已执行)"), Map.entry(0x04, "无此端口号"), Map.entry(0x05, "有多个待充端口"),
            Map.entry(0x06, "多路设备功率超标"), Map.entry(0x07, "存储器损坏"), Map.entry(0x08, "预检继电器坏或保险丝断"),
            Map.entry(0x09, "预检继电器粘连(仍会充电)"), Map.entry(0x0A, "预检负载短路"), Map.entry(0x0B, "烟感报警"),
            Map.entry(0x0C, "过压"), Map.entry(0x0D, "欠压"), Map.entry(0x0E, "未响应"));

    private Descriptions() {
    }

    public static String portStatus(int code) {
        return describe(PORT_STATUS, code);
    }

    public static String chargingStatus(int code) {
        return describe(CHARGING_STATUS, code);
    }

    public static String stopReason(int code) {
        return describe(STOP_REASON, code);
    }

    public static String chargeResult(int code) {
        return describe(CHARGE_RESULT, code);
    }

    /** Port statuses that mean a fault of the port (reference 3.1: 0x04 and 0x06 onward). */
    public static boolean isPortFault(int status) {
        return status == 0x04 || status >= 0x06;
    }

    /** 1 charging and 5 float charging (reference 3.1). */
    public static boolean isCharging(int status) {
        return status == 0x01 || status == 0x05;
    }

    /** Firmware versions travel as decimal hundreds: 640 is "V6.40". */
    public static String firmwareVersion(int raw) {
        return String.format("V%d.%02d", raw / 100, raw % 100);
    }

    private static String describe(Map<Integer, String> table, int code) {
        String text = table.get(code);
        return text != null ? text : String.format("未知(0x%02X)", code);
    }
}
