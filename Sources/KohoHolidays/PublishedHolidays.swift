/// The Cabinet Office list of national holidays, 1955–2027 (内閣府「国民の祝日について」
/// syukujitsu.csv, https://www8.cao.go.jp/chosei/shukujitsu/syukujitsu.csv), taken as UTF-8 from the copy bundled
/// with the holiday_jp Python package: `Resources/syukujitsu.csv`, embedded in the binary by the build. To update,
/// replace that file; it is read by `JapaneseHolidayCalendar.parseCSV`.
public enum PublishedHolidays {
    public static let csv: String = {
        let text = String(decoding: PackageResources.syukujitsu_csv, as: UTF8.self)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }()
}
