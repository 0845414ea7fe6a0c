-- Members: the rest of the national collected items, code tables seeded as data, and the
-- append-only history of 党籍 and organisation events that status and branch changes go through.

ALTER TABLE members ADD COLUMN native_place TEXT;
ALTER TABLE members ADD COLUMN degree TEXT;
ALTER TABLE members ADD COLUMN employer TEXT;
ALTER TABLE members ADD COLUMN work_started_on TEXT;
ALTER TABLE members ADD COLUMN address TEXT;
ALTER TABLE members ADD COLUMN party_post TEXT;
ALTER TABLE members ADD COLUMN lost_contact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN lost_contact_on TEXT;
ALTER TABLE members ADD COLUMN mobile INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN mobile_destination TEXT;
ALTER TABLE members ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
CREATE INDEX members_name_key_idx ON members (name_key);
CREATE INDEX members_org_status_idx ON members (org_id, membership_status);

-- Standard code sets (GB/T 3304 民族, GB/T 4658 学历, 学位, 党籍状态). `aliases` lists other
-- spellings accepted on import, separated by |.
CREATE TABLE code_items (
    set_code  TEXT    NOT NULL,
    code      TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    aliases   TEXT    NOT NULL DEFAULT '',
    sort      INTEGER  NOT NULL DEFAULT 0,
    PRIMARY KEY (set_code, code)
);

-- Every change of 党籍 or organisation, in the order it happened. Rows are never changed.
CREATE TABLE member_events (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('register', 'develop', 'transfer_in', 'convert', 'move', 'transfer_out',
                                                  'stop', 'restore', 'leave', 'death')),
    occurred_on  TEXT NOT NULL,
    from_org_id  INTEGER REFERENCES orgs (id),
    to_org_id    INTEGER REFERENCES orgs (id),
    note         TEXT    NOT NULL DEFAULT '',
    recorded_by  INTEGER REFERENCES users (id),
    recorded_by_name TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX member_events_member_idx ON member_events (member_id, occurred_on);
CREATE INDEX member_events_to_org_idx ON member_events (to_org_id);
CREATE TRIGGER member_events_no_update BEFORE UPDATE ON member_events
BEGIN SELECT RAISE(ABORT, 'member_events is append-only'); END;
CREATE TRIGGER member_events_no_delete BEFORE DELETE ON member_events
BEGIN SELECT RAISE(ABORT, 'member_events is append-only'); END;

INSERT INTO code_items (set_code, code, name, aliases, sort) VALUES
    ('ethnicity', '01', '汉族', '', 0),
    ('ethnicity', '02', '蒙古族', '', 1),
    ('ethnicity', '03', '回族', '', 2),
    ('ethnicity', '04', '藏族', '', 3),
    ('ethnicity', '05', '维吾尔族', '', 4),
    ('ethnicity', '06', '苗族', '', 5),
    ('ethnicity', '07', '彝族', '', 6),
    ('ethnicity', '08', '壮族', '', 7),
    ('ethnicity', '09', '布依族', '', 8),
    ('ethnicity', '10', '朝鲜族', '', 9),
    ('ethnicity', '11', '满族', '', 10),
    ('ethnicity', '12', '侗族', '', 11),
    ('ethnicity', '13', '瑶族', '', 12),
    ('ethnicity', '14', '白族', '', 13),
    ('ethnicity', '15', '土家族', '', 14),
    ('ethnicity', '16', '哈尼族', '', 15),
    ('ethnicity', '17', '哈萨克族', '', 16),
    ('ethnicity', '18', '傣族', '', 17),
    ('ethnicity', '19', '黎族', '', 18),
    ('ethnicity', '20', '傈僳族', '', 19),
    ('ethnicity', '21', '佤族', '', 20),
    ('ethnicity', '22', '畲族', '', 21),
    ('ethnicity', '23', '高山族', '', 22),
    ('ethnicity', '24', '拉祜族', '', 23),
    ('ethnicity', '25', '水族', '', 24),
    ('ethnicity', '26', '东乡族', '', 25),
    ('ethnicity', '27', '纳西族', '', 26),
    ('ethnicity', '28', '景颇族', '', 27),
    ('ethnicity', '29', '柯尔克孜族', '', 28),
    ('ethnicity', '30', '土族', '', 29),
    ('ethnicity', '31', '达斡尔族', '', 30),
    ('ethnicity', '32', '仫佬族', '', 31),
    ('ethnicity', '33', '羌族', '', 32),
    ('ethnicity', '34', '布朗族', '', 33),
    ('ethnicity', '35', '撒拉族', '', 34),
    ('ethnicity', '36', '毛南族', '毛难族', 35),
    ('ethnicity', '37', '仡佬族', '', 36),
    ('ethnicity', '38', '锡伯族', '', 37),
    ('ethnicity', '39', '阿昌族', '', 38),
    ('ethnicity', '40', '普米族', '', 39),
    ('ethnicity', '41', '塔吉克族', '', 40),
    ('ethnicity', '42', '怒族', '', 41),
    ('ethnicity', '43', '乌孜别克族', '', 42),
    ('ethnicity', '44', '俄罗斯族', '', 43),
    ('ethnicity', '45', '鄂温克族', '', 44),
    ('ethnicity', '46', '德昂族', '崩龙族', 45),
    ('ethnicity', '47', '保安族', '', 46),
    ('ethnicity', '48', '裕固族', '', 47),
    ('ethnicity', '49', '京族', '', 48),
    ('ethnicity', '50', '塔塔尔族', '', 49),
    ('ethnicity', '51', '独龙族', '', 50),
    ('ethnicity', '52', '鄂伦春族', '', 51),
    ('ethnicity', '53', '赫哲族', '', 52),
    ('ethnicity', '54', '门巴族', '', 53),
    ('ethnicity', '55', '珞巴族', '', 54),
    ('ethnicity', '56', '基诺族', '', 55),
    ('ethnicity', '97', '其他', '未识别民族', 56),
    ('ethnicity', '98', '外国血统中国籍人士', '', 57),
    ('education', '11', '博士研究生', '博士', 0),
    ('education', '14', '硕士研究生', '硕士|研究生', 1),
    ('education', '17', '研究生班', '', 2),
    ('education', '21', '大学本科', '本科', 3),
    ('education', '31', '大学专科', '大专|专科', 4),
    ('education', '41', '中等专科', '中专', 5),
    ('education', '44', '职业高中', '', 6),
    ('education', '47', '技工学校', '', 7),
    ('education', '61', '高中', '普通高中|高级中学', 8),
    ('education', '71', '初中', '初级中学', 9),
    ('education', '81', '小学', '', 10),
    ('education', '90', '其他', '', 11),
    ('degree', '1', '博士', '博士学位', 0),
    ('degree', '2', '硕士', '硕士学位', 1),
    ('degree', '3', '学士', '学士学位', 2),
    ('degree', '0', '无', '无学位', 3),
    ('membership_status', 'normal', '正常', '', 0),
    ('membership_status', 'stopped', '停止党籍', '', 1),
    ('membership_status', 'transferred_out', '已转出', '', 2),
    ('membership_status', 'left', '已出党', '', 3),
    ('membership_status', 'deceased', '已去世', '', 4);
