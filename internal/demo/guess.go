package demo

import (
	"strings"
	"unicode/utf8"
)

// This file is a DEMO HEURISTIC, not the classifier: it guesses a message's
// first-level category from keyword lists so that unlabelled demo messages
// get a plausible category. Cases categorised this way carry TagCategoryGuessed.
// Its accuracy on the 299 labelled messages is asserted in guess_test.go.

// FallbackLevel1 is the guess when no keyword matches (the most common class
// of the full competition data).
const FallbackLevel1 = "城乡建设"

// keywords lists, per first-level class, words that suggest it. A match in
// the title counts three times a match in the body.
var keywords = []struct {
	level1 string
	words  []string
}{
	{"城乡建设", []string{"物业", "小区", "业主", "业委会", "开发商", "房产", "楼盘", "购房", "房屋", "拆迁", "征收", "安置", "棚改", "施工", "工地", "道路", "修路", "路灯", "供水", "自来水", "停水", "停电", "供电", "燃气", "天然气", "违建", "违章", "规划", "电梯", "下水道", "排水", "城管", "绿化", "住房", "公租房", "廉租房", "办证", "不动产", "房产证"}},
	{"环境保护", []string{"污染", "噪音", "噪声", "扰民", "环保", "环评", "排放", "废气", "废水", "污水", "臭味", "异味", "粉尘", "烟尘", "生态", "垃圾焚烧", "变电站", "辐射", "基站", "养猪", "养殖场", "砂场", "采砂", "釆石", "采石", "砖厂", "化工"}},
	{"交通运输", []string{"公交", "地铁", "出租车", "的士", "网约车", "滴滴", "高速", "收费站", "过路费", "客运", "汽车站", "火车", "列车", "运输", "超载", "渣土车", "驾校", "驾照", "车辆", "停车", "航道", "快递", "邮政", "线路", "站点", "交通"}},
	{"教育文体", []string{"学校", "教育", "学生", "老师", "教师", "小学", "中学", "初中", "高中", "幼儿园", "大学", "学院", "招生", "入学", "学位", "补课", "培训", "考试", "中考", "高考", "学费", "校车", "校园", "体育", "文化", "图书馆", "广场舞"}},
	{"劳动和社会保障", []string{"社保", "养老保险", "养老金", "退休", "工资", "欠薪", "拖欠", "农民工", "劳动", "合同", "工伤", "失业", "就业", "人社", "公积金", "编制", "待遇", "职工", "员工", "辞退", "解聘", "加班", "招聘", "事业单位", "低保", "医保卡", "社保卡"}},
	{"卫生计生", []string{"医院", "医生", "医疗", "医保", "看病", "患者", "病人", "药品", "药店", "卫生院", "卫计", "卫健", "计生", "超生", "生育", "二胎", "独生子女", "疫苗", "诊所", "行医", "护士", "保健品", "健康"}},
	{"商贸旅游", []string{"商户", "商家", "商铺", "超市", "市场", "菜市场", "传销", "诈骗", "虚假", "广告", "物价", "价格", "乱收费", "消费者", "旅游", "景区", "游客", "导游", "酒店", "食品", "质量", "假冒", "电商", "网购", "特种设备", "加油站"}},
	{"民政", []string{"民政", "低保", "养老院", "敬老院", "残疾", "殡葬", "墓地", "婚姻", "救助", "孤儿", "社区服务", "社会组织"}},
	{"国土资源", []string{"土地", "宅基地", "国土", "征地", "林地", "耕地", "矿", "地质", "测绘"}},
	{"农村农业", []string{"农村", "村民", "农民", "农业", "种植", "水利", "水库", "灌溉", "扶贫", "贫困户", "村委", "村干部", "合作社", "农田", "渔"}},
	{"政法", []string{"派出所", "公安", "警察", "报警", "黑社会", "赌博", "涉黑", "法院", "判决", "执行", "律师", "户口", "户籍", "身份证", "治安", "打架"}},
	{"经济管理", []string{"企业", "公司", "税务", "纳税", "发票", "银行", "贷款", "理财", "集资", "非法集资", "P2P", "投资", "股权", "工商", "营业执照"}},
	{"科技与信息产业", []string{"网络", "宽带", "移动", "联通", "电信", "信号", "手机", "网站", "APP", "科技", "互联网", "5G"}},
	{"党务政务", []string{"政府", "政务", "办事", "审批", "不作为", "乱作为", "回复", "信访", "党员", "干部作风", "政策咨询", "服务态度"}},
	{"纪检监察", []string{"贪污", "腐败", "受贿", "行贿", "挪用", "公款", "纪委", "违纪", "吃喝", "公车私用", "以权谋私"}},
}

// keywordIndex lists, by first rune, each keyword with its class index.
var keywordIndex = func() map[rune][]keywordRef {
	idx := map[rune][]keywordRef{}
	for class, k := range keywords {
		for _, w := range k.words {
			first, _ := utf8.DecodeRuneInString(w)
			idx[first] = append(idx[first], keywordRef{word: w, class: class})
		}
	}
	return idx
}()

type keywordRef struct {
	word  string
	class int
}

// GuessLevel1 returns the demo heuristic's first-level category name for a
// message (one of the taxonomy's level-1 names), and whether any keyword
// matched (false means it fell back to FallbackLevel1). Each keyword
// occurrence scores 3 in the title and 1 in the body; the highest total
// wins, ties going to the class listed first.
func GuessLevel1(title, body string) (string, bool) {
	score := make([]int, len(keywords))
	count := func(text string, weight int) {
		for i, r := range text {
			for _, k := range keywordIndex[r] {
				if strings.HasPrefix(text[i:], k.word) {
					score[k.class] += weight
				}
			}
		}
	}
	count(title, 3)
	count(body, 1)
	best, bestScore := FallbackLevel1, 0
	for class, s := range score {
		if s > bestScore {
			best, bestScore = keywords[class].level1, s
		}
	}
	return best, bestScore > 0
}
